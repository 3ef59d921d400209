/* rng.h: the one random number generator of a run.
 *
 * One explicit state, passed to initialisation, shuffling, augmentation and dropout, so
 * that a seed fixes the whole run. xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64; st_rng_fork() derives an independent stream, e.g. one per worker thread
 * and step, without touching the parent's sequence more than once.
 */
#pragma once

#include <glib.h>

#include "core/ops/rng-stream.h"

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} StRng;

void    st_rng_init     (StRng *rng, guint64 seed);
/* A new stream from the parent's next draw and a stream number. */
void    st_rng_fork     (StRng *child, StRng *parent, guint64 stream);
guint64 st_rng_u64      (StRng *rng);
/* Uniform in [0, n), without modulo bias. n > 0. */
guint64 st_rng_below    (StRng *rng, guint64 n);
/* Uniform in [0, 1) with 53 random bits. */
double  st_rng_uniform  (StRng *rng);
/* Standard normal, Box–Muller (one value per call; no hidden cached second value). */
double  st_rng_normal   (StRng *rng);
/* Fisher–Yates shuffle of idx[0..n). */
void    st_rng_shuffle  (StRng *rng, guint32 *idx, gsize n);

/* st_rng_dropout_seed (rng-stream.h, where the contract is), checked: op and example in
 * range, else a critical warning and 0. */
guint64 st_rng_dropout_stream (guint64 seed, guint64 example, guint64 op);

G_END_DECLS

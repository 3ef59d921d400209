/* rng.h: the one random number generator of a run.
 *
 * One explicit state, passed to initialisation, shuffling, augmentation and dropout, so
 * that a seed fixes the whole run. xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64; st_rng_fork() derives an independent stream, e.g. one per worker thread
 * and step, without touching the parent's sequence more than once.
 */
#pragma once

#include <glib.h>

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

/* The contract between the CPU and GPU backends for dropout's masks: the generator that
 * draws example `example`'s mask (its position in the step's batch) at op `op` (its index
 * on the net's tape) in the step seeded `seed` is st_rng_init (rng, x) with x this
 * function's value, one st_rng_uniform per element in order. gpu/cuda-rng.cuh repeats it
 * (the module cannot call core), and tests/test-ops.c pins its values.
 *
 * x = first draw of a generator seeded with seed ^ ST_RNG_DROPOUT_KEY, xor
 *     stream · 0xd1342543de82ef95, with stream = example · 2^20 + op,
 * which is st_rng_fork's child of that generator: distinct for every op < 2^20 and
 * example < 2^40 (the stream is distinct and the multiplier is odd). */
#define ST_RNG_DROPOUT_KEY      G_GUINT64_CONSTANT (0x5eed0d7090)
#define ST_RNG_DROPOUT_OP_BITS  20
#define ST_RNG_DROPOUT_MAX_OPS  (G_GUINT64_CONSTANT (1) << ST_RNG_DROPOUT_OP_BITS)
#define ST_RNG_DROPOUT_MAX_EXAMPLES  (G_GUINT64_CONSTANT (1) << 40)

guint64 st_rng_dropout_stream (guint64 seed, guint64 example, guint64 op);

G_END_DECLS

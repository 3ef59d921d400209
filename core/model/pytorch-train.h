/* pytorch-train.h: a model and its recipe as a training package for PyTorch's distributed
 * engine — `strata-cli export MODEL --pytorch-train DIR`.
 *
 * The package is a folder of four files that need only Python, torch and the standard
 * library:
 *
 *   model.py           the module of st_spec_to_pytorch(): build_model(), TRAINING,
 *                      build_loss(), build_optimizer()
 *   train.py           trains it with the recipe under torch.distributed (DDP, a
 *                      DistributedSampler, NCCL on GPUs, gloo on CPUs), started by torchrun or
 *                      any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT,
 *                      else one process; writes OUT/metrics.jsonl and OUT/best.safetensors
 *   README.txt         how to run it on one machine, on several, under Slurm
 *   model.strata.json  the model file with its recipe written out, for strata-cli
 *
 * train.py and the README's text are resources/pytorch/ (compiled in as a GResource); the
 * README gets the model's name and recipe. train.py documents what it keeps of Strata's
 * semantics: the data files and the random split, the normalisation and augmentation, the
 * recipe's batch as the global batch, the per-epoch metrics.
 */
#pragma once

#include "core/model/spec.h"

G_BEGIN_DECLS

/* Creates `dir` (and the folders above it) when missing, then writes the four files into it,
 * each replacing any file of that name atomically (atomic-file.h). Fails with
 * ST_EXPORT_ERROR (pytorch-export.h) when the model has errors, before anything is written,
 * or with G_FILE_ERROR naming the path that could not be made or written. */
gboolean st_pytorch_train_write (const StSpec *spec,
                                 const char   *dir,
                                 GError      **error);

G_END_DECLS

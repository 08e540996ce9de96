/* dsfp: the identity of a prepared dataset (its fingerprint), for refusing to mix results.
 *
 * A sweep's results are only comparable, and a finished trial only reusable, on the very
 * dataset it was trained on. The fingerprint names that dataset: the SHA-256 of its source
 * CSV, its shape (rows, features), its Keras split sizes and a digest of everything else
 * that changes what a model sees (the normalisation mean/std bit patterns, the feature
 * names in order, the target name). It is computed from an hs_dataset in memory (only the
 * metadata, no arrays: h5data_load_meta is enough), written into metadata.json and every
 * journal record (its 16-hex `id`), and compared on every start of `hsweep run`. A
 * fingerprint read from an older metadata.json may lack the digest (norm = ""): the fields
 * it has are still compared. No I/O, no MPI; cannot fail. */
#ifndef HS_DSFP_H
#define HS_DSFP_H

#include <stddef.h>

#include "io/dataset.h"
#include "io/hs_error.h"
#include "io/json.h"

typedef struct dsfp {
    char source_sha256[65];   /* hex SHA-256 of the uncompressed source CSV, "" if unknown */
    size_t n_rows;            /* N, rows of the series */
    size_t n_features;        /* F, input features per row */
    size_t n_train;           /* rows of the training split */
    size_t n_val;             /* rows of the validation split */
    size_t n_test;            /* rows of the test split */
    char norm[17];            /* 16 hex of SHA-256 over mean, std (IEEE bits), feature and
                                 target names; "" when unknown (metadata of hsweep 0.1) */
    char id[17];              /* 16 hex of SHA-256 over all of the above: what a journal
                                 record carries; "" when norm is unknown */
} dsfp;

/* The fingerprint of ds (metadata only: names, mean, std, sizes, sha256). ds->mean and
 * ds->std must hold n_features values (NULL counts as all zero); names may be NULL. */
void dsfp_compute(dsfp *fp, const hs_dataset *ds);

/* 1 when every field known in both a and b is equal (norm and id are skipped when either
 * is ""), else 0. */
int dsfp_same(const dsfp *a, const dsfp *b);

/* The start-of-run check: 0 when stored (the fingerprint in DIR's metadata.json) and cur
 * (the dataset at data_path) are the same by dsfp_same, else HS_ERR_STATE with one line
 * naming both: "DIR: holds results on dataset <stored>, DATA is <cur>; rerun with
 * --restart (the old journal is kept) or choose another --output". */
int dsfp_check(const dsfp *stored, const dsfp *cur, const char *dir, const char *data_path,
               hs_error *err);

/* One line naming fp into buf (truncated to n), e.g.
 * "sha256 3f2a9c0d11e4 6400x3 split 3200/1600/1600 norm 9e1f2a3b4c5d6e7f" (the source hash
 * shortened to 12 hex; "norm ?" when unknown). */
void dsfp_format(const dsfp *fp, char *buf, size_t n);

/* Write fp's fields as members of the JSON object w is inside: "source_sha256", "n_rows",
 * "n_features", "n_train", "n_val", "n_test", "norm_sha256" and "fingerprint" (the id). */
void dsfp_write_members(json_writer *w, const dsfp *fp);

/* Read the members dsfp_write_members writes from the JSON object o (the "dataset" object of
 * metadata.json). Missing "norm_sha256"/"fingerprint" leave norm/id ""; missing sizes or
 * hash give 0/"". Returns 0, or -1 when o is not an object or a member has the wrong type. */
int dsfp_read_members(const json_value *o, dsfp *fp);

#endif

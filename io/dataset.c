/* dataset: the in-memory prepared series (see dataset.h). */
#include "io/dataset.h"

#include <stdlib.h>
#include <string.h>

void dataset_deinit(hs_dataset *ds) {
    if (!ds) return;
    if (ds->owns_arrays) {
        free(ds->x);
        free(ds->y);
        free(ds->time);
    }
    if (ds->feature_names)
        for (size_t i = 0; i < ds->n_features; i++) free(ds->feature_names[i]);
    free(ds->feature_names);
    free(ds->target_name);
    free(ds->mean);
    free(ds->std);
    memset(ds, 0, sizeof *ds);
}

/* test_hpfields: the two views of hs_hparams agree.
 *
 * io/hpfields (result files, journal) and io/sweepcfg (YAML parameters) each list the
 * fields of hs_hparams. A field added to one and not the other would give trials that
 * differ only in that field the same id, or drop it from the journal, so this test pins
 * them together: same names, same order, compatible kinds, and get/set agree on every
 * field; the only field hpfields has in addition is the trial seed. */
#include <string.h>

#include "io/hpfields.h"
#include "io/sweepcfg.h"
#include "tests/test_util.h"

static int kinds_agree(hpfields_kind k, sweepcfg_type t) {
    switch (t) {
    case SWEEPCFG_T_INT: return k == HPFIELDS_SIZE;
    case SWEEPCFG_T_REAL: return k == HPFIELDS_FLOAT;
    case SWEEPCFG_T_BOOL: return k == HPFIELDS_BOOL;
    case SWEEPCFG_T_CELL: return k == HPFIELDS_CELL;
    case SWEEPCFG_T_OPTIMIZER: return k == HPFIELDS_OPTIMIZER;
    }
    return 0;
}

int main(void) {
    CHECK(hpfields_count() == (size_t)SWEEPCFG_NPARAMS + 1, "%zu hpfields vs %d sweep params + seed",
          hpfields_count(), (int)SWEEPCFG_NPARAMS);
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
        const char *name = sweepcfg_param_name((sweepcfg_param)p);
        size_t k = hpfields_find(name);
        CHECK(k == (size_t)p, "'%s' is field %zu in hpfields, %d in sweepcfg", name, k, p);
        if (k == (size_t)-1) continue;
        CHECK(kinds_agree(hpfields_kind_of(k), sweepcfg_param_type((sweepcfg_param)p)),
              "'%s' has different kinds", name);
        /* a value set through sweepcfg reads back the same through hpfields */
        hs_hparams hp;
        hparams_default(&hp);
        double v = sweepcfg_param_type((sweepcfg_param)p) == SWEEPCFG_T_REAL ? 0.375
                   : sweepcfg_param_type((sweepcfg_param)p) == SWEEPCFG_T_INT ? 7.0 : 1.0;
        sweepcfg_param_set(&hp, (sweepcfg_param)p, v);
        CHECK(hpfields_value(&hp, k) == v, "'%s': set %g, hpfields reads %g", name, v,
              hpfields_value(&hp, k));
        CHECK(sweepcfg_param_get(&hp, (sweepcfg_param)p) == v, "'%s' get", name);
    }
    CHECK(strcmp(hpfields_name(hpfields_count() - 1), "seed") == 0, "seed is the extra field");
    return test_failures("test_hpfields");
}

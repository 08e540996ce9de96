/* hparams: defaults and names for a trial configuration (see hparams.h). */
#include "model/hparams.h"

#include <string.h>

void hparams_default(hs_hparams *hp) {
    memset(hp, 0, sizeof *hp);
    hp->cell = HS_CELL_LSTM;
    hp->units = 32;
    hp->layers = 1;
    hp->optimizer = HS_OPT_RMSPROP;
    hp->learning_rate = 1e-3f;
    hp->batch_size = 256;
    hp->epochs = 10;
    hp->patience = 0;
    hp->clip = 0.0f;
    hp->sequence_length = 120;
    hp->sampling_rate = 6;
    hp->horizon = 24;
    hp->seed = 1;
}

size_t hparams_delay(const hs_hparams *hp) {
    return hp->sampling_rate * (hp->sequence_length + hp->horizon - 1);
}

const char *hparams_cell_name(hs_cell c) {
    switch (c) {
    case HS_CELL_LSTM: return "lstm";
    case HS_CELL_GRU: return "gru";
    case HS_CELL_DENSE: return "dense";
    case HS_CELL_SYNTHETIC: return "synthetic";
    }
    return "?";
}

const char *hparams_optimizer_name(hs_optimizer o) {
    switch (o) {
    case HS_OPT_RMSPROP: return "rmsprop";
    case HS_OPT_ADAM: return "adam";
    }
    return "?";
}

int hparams_parse_cell(const char *s, hs_cell *out) {
    static const hs_cell all[] = {HS_CELL_LSTM, HS_CELL_GRU, HS_CELL_DENSE, HS_CELL_SYNTHETIC};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, hparams_cell_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}

int hparams_parse_optimizer(const char *s, hs_optimizer *out) {
    static const hs_optimizer all[] = {HS_OPT_RMSPROP, HS_OPT_ADAM};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, hparams_optimizer_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}

/* fuzz_journal: the journal reader (io/journal.c: journal_read over a whole file, which
 * parses every line into a record) on arbitrary bytes. */
#include "fuzz_util.h"
#include "io/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    if (fuzz_write_file(path, "journal.jsonl", data, size)) return 0;
    journal_record *recs = NULL;
    size_t n = 0;
    journal_read_info info;
    hs_error err;
    if (journal_read(path, &recs, &n, &info, &err) == 0) journal_records_free(recs, n);
    return 0;
}

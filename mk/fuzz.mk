# SPDX-License-Identifier: MIT
# libFuzzer targets (clang): `make fuzz` fuzzes ~60 s, `make fuzz-smoke` replays the seed corpus.

B ?= build
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-DMNEMO_HOST=1 -Itests/host/arch -Iinclude -Ikernel/include -Itests/host

MDB_FUZZ := $(B)/fuzz/mdb_fuzz
MDB_FUZZ_SRC := $(wildcard kernel/core/mdb*.c) tests/host/arch/mdb_pt_host.c \
	tests/host/test_mdb_model.c tests/host/test_mdb_fixture.c tests/host/fuzz/mdb_fuzz.c
MDB_FUZZ_HDR := $(wildcard kernel/include/kern/mdb*.h tests/host/arch/arch/mdb*.h)
MDB_CORPUS := tests/host/fuzz/corpus/mdb

$(MDB_FUZZ): $(MDB_FUZZ_SRC) $(MDB_FUZZ_HDR) mk/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(MDB_FUZZ_SRC)

# New inputs go to $(B)/fuzz/corpus-mdb (the checked-in seeds stay small), crash and
# slow-unit artifacts to $(B)/fuzz/ (not the working tree).
fuzz: $(MDB_FUZZ)
	@mkdir -p $(B)/fuzz/corpus-mdb
	$(MDB_FUZZ) -max_total_time=$(FUZZ_TIME) -max_len=4096 -print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
		$(B)/fuzz/corpus-mdb $(MDB_CORPUS)

fuzz-smoke: $(MDB_FUZZ)
	$(MDB_FUZZ) $(wildcard $(MDB_CORPUS)/*)

.PHONY: fuzz fuzz-smoke

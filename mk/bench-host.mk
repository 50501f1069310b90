# SPDX-License-Identifier: MIT
# Host microbenchmarks (no sanitizers, -O2): `make bench-host` prints a table and
# writes $(B)/bench/host.json (name, unit, value = median, repetitions, spread).

B ?= build
BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -DMNEMO_HOST=1 \
	-Itests/host/arch -Iinclude -Ikernel/include -Itests/host

MDB_BENCH := $(B)/bench/mdb_bench
MDB_BENCH_SRC := $(wildcard kernel/core/mdb*.c) tests/host/arch/mdb_pt_host.c \
	tests/host/test_mdb_fixture.c tests/host/bench/mdb_bench.c

$(MDB_BENCH): $(MDB_BENCH_SRC) $(wildcard kernel/include/kern/mdb*.h tests/host/arch/arch/mdb*.h) mk/bench-host.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $(MDB_BENCH_SRC)

bench-host: $(MDB_BENCH)
	$(MDB_BENCH) $(B)/bench/host.json

.PHONY: bench-host

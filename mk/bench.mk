# SPDX-License-Identifier: MIT
# make bench: every benchmark (guest under QEMU -icount in instructions, host in ns/op) into
# $(B)/bench/results.json and REPORT.md (tools/bench.sh). make bench-check: the guest
# instruction counts against bench/baseline.json, failing on a regression beyond 2%
# (tools/bench-check.sh; `tools/bench-check.sh --update` rewrites the baseline).
# Included by the Makefile after the user-program and loader rules.

BENCH_BOOT := $(B)/boot/mnemo.elf $(B)/boot/sigma0.elf $(B)/boot/bench_ipc.elf

bench: setup $(LOADER_ELF) $(BENCH_BOOT)
	tools/bench.sh $(B)/bench

bench-check: bench
	tools/bench-check.sh $(B)/bench/results.json bench/baseline.json

.PHONY: bench bench-check

# SPDX-License-Identifier: MIT
# make bench: every benchmark (guest under QEMU -icount in instructions, host in ns/op) into
# $(B)/bench/results.json and REPORT.md (tools/bench.sh). make bench-check: the guest
# instruction counts against bench/baseline.json, failing on a regression beyond 2%
# (tools/bench-check.sh; `tools/bench-check.sh --update` rewrites the baseline).
# Included by the Makefile after the user-program and loader rules.

# Every program in build/boot, so that a guest benchmark added to tools/bench.sh's
# GUEST_BENCHES list (one line) needs nothing here.
bench: setup $(LOADER_ELF) $(BOOT_FILES)
	tools/bench.sh $(B)/bench

bench-check: bench
	tools/bench-check.sh $(B)/bench/results.json bench/baseline.json

.PHONY: bench bench-check

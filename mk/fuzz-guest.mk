# SPDX-License-Identifier: MIT
# The in-guest system-call fuzzer at length: `make fuzz-guest` boots syscall_fuzz with
# FUZZ_GUEST_CALLS calls (10^7) under QEMU through the scenario runner. FUZZ_GUEST_SEED
# picks the seed (a reproducer is a seed and a call index: add trace=FROM-TO to the
# module string to print the calls around it). CI runs the 10^6-call scenario
# tests/qemu/scenarios/syscall-fuzz.scn instead.

B ?= build
FUZZ_GUEST_CALLS ?= 10000000
FUZZ_GUEST_SEED ?= 1
FUZZ_GUEST_TIMEOUT ?= 3600
FUZZ_GUEST_SCN := $(B)/fuzz-guest/syscall-fuzz-long.scn

fuzz-guest: $(B)/boot/mnemo.elf $(B)/boot/sigma0.elf $(B)/boot/syscall_fuzz.elf $(B)/loader/mnemo-loader.elf
	@mkdir -p $(dir $(FUZZ_GUEST_SCN))
	@{ echo '# Seeded system-call fuzzer, $(FUZZ_GUEST_CALLS) calls, seed $(FUZZ_GUEST_SEED)'; \
	  echo 'MODULES=("mnemo.elf" "sigma0.elf" "syscall_fuzz.elf seed=$(FUZZ_GUEST_SEED) calls=$(FUZZ_GUEST_CALLS)")'; \
	  echo 'EXPECT_EXIT=pass'; \
	  echo 'EXPECT_LOG=("fuzz: $(FUZZ_GUEST_CALLS) calls" "ok fuzz.syscalls")'; \
	  echo 'TIMEOUT=$(FUZZ_GUEST_TIMEOUT)'; } >$(FUZZ_GUEST_SCN)
	tests/qemu/run-scenario.sh $(FUZZ_GUEST_SCN) $(B)/fuzz-guest

.PHONY: fuzz-guest

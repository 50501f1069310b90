# SPDX-License-Identifier: MIT
# mnemo: the one build entry point (see README.md).

include mk/flags.mk

B := build
# `make V=1` shows every command.
Q := $(if $(V),,@)
MSG = $(if $(V),@true,@printf '  %-7s %s\n')
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# ---- kernel -----------------------------------------------------------------
KERNEL_C := $(wildcard kernel/core/*.c kernel/arch/x86_64/*.c kernel/debug/*.c) $(wildcard lib/*/*.c)
KERNEL_S := $(wildcard kernel/arch/x86_64/*.S)
KERNEL_OBJ := $(patsubst %.c,$(B)/kernel/%.o,$(patsubst kernel/%,%,$(KERNEL_C))) $(KERNEL_S:%.S=$(B)/%.o)
KERNEL_ELF := $(B)/kernel/mnemo.elf

$(B)/kernel/%.o: kernel/%.c mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/kernel/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(MSG) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/kernel/%.o: kernel/%.S mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) AS $<
	$(Q)$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@
$(KERNEL_ELF): $(KERNEL_OBJ) kernel/arch/x86_64/kernel.ld
	$(MSG) LD $@
	$(Q)$(LD) -n --gc-sections -T kernel/arch/x86_64/kernel.ld -o $@ $(KERNEL_OBJ)

# ---- 32-bit boot loader -------------------------------------------------------
LOADER_C := $(wildcard loader/*.c)
LOADER_S := $(wildcard loader/*.S)
LOADER_OBJ := $(LOADER_C:%.c=$(B)/%.o) $(LOADER_S:%.S=$(B)/%.o)
LOADER_ELF := $(B)/loader/mnemo-loader.elf

$(B)/loader/%.o: loader/%.c mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) CC32 $<
	$(Q)$(CC) $(LOADER_CFLAGS) -MMD -MP -c $< -o $@
$(B)/loader/%.o: loader/%.S mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) AS32 $<
	$(Q)$(CC) $(LOADER_ASFLAGS) -MMD -MP -c $< -o $@
$(LOADER_ELF): $(LOADER_OBJ) loader/loader.ld
	$(MSG) LD $@
	$(Q)$(LD) -m elf_i386 -n -T loader/loader.ld -o $@ $(LOADER_OBJ)

# ---- user programs --------------------------------------------------------------
ULIB_SRC := $(wildcard user/lib/*/*.c user/lib/*/*.S)
ULIB_OBJ := $(patsubst %,$(B)/%.o,$(basename $(ULIB_SRC))) $(patsubst lib/%.c,$(B)/user/lib/shared/%.o,$(wildcard lib/*/*.c))
ULIB := $(B)/user/lib/libmnemo.a

$(B)/user/%.o: user/%.c mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) CC $<
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(B)/user/%.o: user/%.S mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) AS $<
	$(Q)$(CC) $(USER_ASFLAGS) -MMD -MP -c $< -o $@
$(B)/user/lib/shared/%.o: lib/%.c mk/flags.mk
	@mkdir -p $(@D)
	$(MSG) CC $<
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(ULIB): $(ULIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# A program is a directory with a main: user/sigma0, user/tests/<name>, ...
# Link addresses follow X.2 practice: sigma0 at 15 MiB, root tasks at 16 MiB.
USER_PROGS := sigma0 $(patsubst user/%/,%,$(wildcard user/tests/*/))
LINKADDR_sigma0 := 0x00f00000
LINKADDR_fault_probe := 0x00f00000 # runs in sigma0's place
LINKADDR_DEFAULT := 0x01000000
USER_ELFS := $(foreach p,$(USER_PROGS),$(B)/user/$(p).elf)

define user_prog
$(B)/user/$(1).elf: $(patsubst %,$(B)/%.o,$(basename $(wildcard user/$(1)/*.c user/$(1)/*.S))) $(ULIB) user/lib/user.ld
	$$(MSG) LD $$@
	$$(Q)$$(LD) -n --no-warn-rwx-segments -T user/lib/user.ld --defsym=LINK_ADDR=$$(or $$(LINKADDR_$(notdir $(1))),$(LINKADDR_DEFAULT)) \
		-o $$@ $$(filter %.o,$$^) $(ULIB)
endef
$(foreach p,$(USER_PROGS),$(eval $(call user_prog,$(p))))

# Boot modules are stripped copies (QEMU places modules below the kernel's 6 MiB
# load address); the unstripped ELFs stay for gdb.
BOOT_FILES := $(B)/boot/mnemo.elf $(foreach p,$(USER_PROGS),$(B)/boot/$(notdir $(p)).elf)
$(B)/boot/mnemo.elf: $(KERNEL_ELF)
	@mkdir -p $(@D)
	$(Q)$(OBJCOPY) --strip-debug $< $@
define boot_copy
$(B)/boot/$(notdir $(1)).elf: $(B)/user/$(1).elf
	@mkdir -p $$(@D)
	$$(Q)$$(OBJCOPY) --strip-debug $$< $$@
endef
$(foreach p,$(USER_PROGS),$(eval $(call boot_copy,$(p))))

# ---- host tests of kernel/core ------------------------------------------------------
# User libraries tested on the host: the checkpoint store (its header through -iquote, so that
# user/lib/include's libc headers never shadow the host's).
HOST_SRC := $(wildcard kernel/core/*.c tests/host/*.c tests/host/arch/*.c) lib/fmt/format.c $(wildcard user/lib/ckpt/*.c)
HOST_OBJ := $(HOST_SRC:%.c=$(B)/host/%.o)
HOST_UNIT := $(B)/host/unit

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(MSG) HOSTCC $<
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(HOST_UNIT): $(HOST_OBJ)
	$(MSG) LD $@
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^

# ---- top-level targets ------------------------------------------------------------------
all: $(KERNEL_ELF) $(LOADER_ELF) $(USER_ELFS) $(BOOT_FILES) $(HOST_UNIT)

ISO := $(B)/mnemo.iso
iso: $(ISO)
$(ISO): $(LOADER_ELF) $(BOOT_FILES) tools/mkiso.sh
	tools/mkiso.sh $@ $(LOADER_ELF) $(B)/boot

setup:
	tools/setup.sh

run: all setup
	tools/run.sh

debug: all setup
	tools/debug.sh

# Boots the mdb chain suite under the kernel debugger and draws a derivation tree (build/pictures/).
picture: all setup
	tools/picture.sh

test: setup
	$(MAKE) --no-print-directory all
	tests/run-all.sh

host-test: $(HOST_UNIT)
	$(HOST_UNIT)

layering:
	tools/check-layering.sh

# Power cuts during checkpoints, 200 seeds (make test runs 20).
persist-crash: all setup
	tests/qemu/persist.sh $(B)/persist-crash 200

FMT_FILES = $$(git ls-files 'kernel/*.[ch]' 'include/*.h' 'user/*.[ch]' 'lib/*.c' 'loader/*.[ch]' 'tests/host/*.[ch]')
fmt:
	clang-format -i $(FMT_FILES)
fmt-check:
	clang-format --dry-run --Werror $(FMT_FILES)

clean:
	rm -rf $(B)

.PHONY: all iso setup run debug picture test host-test layering persist-crash fmt fmt-check clean

# libFuzzer targets, host microbenchmarks of the mapping database, make bench / bench-check.
include mk/fuzz.mk mk/fuzz-guest.mk mk/bench-host.mk mk/bench.mk

-include $(shell find $(B) -name '*.d' 2>/dev/null)

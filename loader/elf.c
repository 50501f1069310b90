/* SPDX-License-Identifier: MIT */
/* ELF64 modules: validation against the module's size, and loading by p_paddr. */
#include "loader.h"

#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

#define FAIL(img, fmt, ...) loader_fail("module %u (%s): " fmt, (img)->index, (img)->name, ##__VA_ARGS__)

static void add_segment(struct image *img, const struct elf64_phdr *ph, unsigned k)
{
	uint64_t size = img->mod_size;
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		FAIL(img, "truncated ELF: segment %u file range 0x%llx+0x%llx beyond the module size 0x%llx", k,
		     ph->p_offset, ph->p_filesz, size);
	if (ph->p_memsz < ph->p_filesz)
		FAIL(img, "bad ELF: segment %u memsz 0x%llx < filesz 0x%llx", k, ph->p_memsz, ph->p_filesz);
	if (ph->p_memsz == 0)
		return;
	if (ph->p_paddr >= FOUR_GIB || ph->p_memsz > FOUR_GIB - ph->p_paddr)
		FAIL(img, "segment %u at 0x%llx+0x%llx is not below 4 GiB", k, ph->p_paddr, ph->p_memsz);
	if (img->nsegs == LOADER_MAX_SEGS)
		FAIL(img, "more than %u loadable segments", LOADER_MAX_SEGS);
	struct segment *s = &img->segs[img->nsegs++];
	s->paddr = ph->p_paddr;
	s->memsz = ph->p_memsz;
	s->filesz = ph->p_filesz;
	s->offset = ph->p_offset;
	if (s->paddr < img->low)
		img->low = s->paddr;
	if (s->paddr + s->memsz > img->high)
		img->high = s->paddr + s->memsz;
}

void elf_parse(const struct mb_module *mod, unsigned index, struct image *img)
{
	img->index = index;
	img->mod_start = mod->start;
	img->mod_size = mod->end - mod->start;
	img->low = ~(uint64_t)0;
	img->high = 0;
	img->nsegs = 0;

	const uint8_t *base = (const uint8_t *)(uintptr_t)mod->start;
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)base;
	if (img->mod_size < 4 || base[0] != 0x7f || base[1] != 'E' || base[2] != 'L' || base[3] != 'F')
		FAIL(img, "not an ELF file");
	if (img->mod_size < sizeof(*eh))
		FAIL(img, "truncated ELF: %u bytes, shorter than the ELF header", img->mod_size);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		FAIL(img, "wrong ELF class %u: need ELF64", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		FAIL(img, "wrong ELF data encoding %u: need little endian", eh->e_ident[EI_DATA]);
	if (eh->e_machine != EM_X86_64)
		FAIL(img, "wrong ELF machine %u: need x86-64 (%u)", eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		FAIL(img, "wrong ELF type %u: need an executable (%u)", eh->e_type, ET_EXEC);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		FAIL(img, "bad ELF: program header size %u", eh->e_phentsize);
	uint64_t phsize = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (eh->e_phoff > img->mod_size || phsize > img->mod_size - eh->e_phoff)
		FAIL(img, "truncated ELF: program headers 0x%llx+0x%llx beyond the module size 0x%x", eh->e_phoff,
		     phsize, img->mod_size);

	const struct elf64_phdr *ph = (const struct elf64_phdr *)(base + (uint32_t)eh->e_phoff);
	for (unsigned k = 0; k < eh->e_phnum; k++)
		if (ph[k].p_type == PT_LOAD)
			add_segment(img, &ph[k], k);
	if (img->nsegs == 0)
		FAIL(img, "ELF has no loadable segment");
	img->entry = eh->e_entry;
}

/* A 32-bit word of the image as it will be once loaded (0 outside file bytes). */
uint32_t elf_peek32(const struct image *img, uint64_t addr)
{
	uint32_t v = 0;
	for (unsigned b = 0; b < 4; b++) {
		uint64_t a = addr + b;
		for (unsigned k = 0; k < img->nsegs; k++) {
			const struct segment *s = &img->segs[k];
			if (a >= s->paddr && a - s->paddr < s->filesz) {
				const uint8_t *src = (const uint8_t *)(uintptr_t)(img->mod_start + s->offset);
				v |= (uint32_t)src[(uint32_t)(a - s->paddr)] << (8 * b);
				break;
			}
		}
	}
	return v;
}

/* Copies p_filesz bytes to p_paddr and zeroes up to p_memsz. The caller checked
 * that no segment overlaps the module's own bytes, the loader, or another segment. */
void elf_load(const struct image *img)
{
	for (unsigned k = 0; k < img->nsegs; k++) {
		const struct segment *s = &img->segs[k];
		uint8_t *dst = (uint8_t *)(uintptr_t)s->paddr;
		memcpy(dst, (const uint8_t *)(uintptr_t)(img->mod_start + s->offset), (size_t)s->filesz);
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
}

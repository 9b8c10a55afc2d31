/* PE images for SEC_IMAGE sections (see image.h).
 *
 * The fields are read at their offsets in the file (little-endian, as PE
 * is), so one reader serves PE32 and PE32+: the fields used here sit at
 * the same offsets of both optional headers. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "image.h"
#include "inject.h"

#define DOS_MAGIC 0x5a4d                /* "MZ" */
#define DOS_LFANEW 0x3c
#define NT_SIGNATURE 0x00004550         /* "PE\0\0" */
#define FILE_HEADER_SIZE 20
#define PE32_MAGIC 0x10b
#define PE32_PLUS_MAGIC 0x20b
#define SECTION_HEADER_SIZE 40

/* Offsets in the file header, the optional header and a section header. */
#define FH_NUMBER_OF_SECTIONS 2
#define FH_SIZE_OF_OPTIONAL_HEADER 16
#define OH_MAGIC 0
#define OH_SECTION_ALIGNMENT 32
#define OH_FILE_ALIGNMENT 36
#define OH_SIZE_OF_IMAGE 56
#define OH_SIZE_OF_HEADERS 60
#define OH_FIELDS_USED 64
#define SH_VIRTUAL_SIZE 8
#define SH_VIRTUAL_ADDRESS 12
#define SH_SIZE_OF_RAW_DATA 16
#define SH_POINTER_TO_RAW_DATA 20
#define SH_CHARACTERISTICS 36

#define SCN_MEM_EXECUTE 0x20000000u
#define SCN_MEM_READ    0x40000000u
#define SCN_MEM_WRITE   0x80000000u

#define MAX_IMAGE_SIZE 0x80000000ull    /* images are 32-bit sized; keep well inside */

static uint16_t read16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t read32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static BOOL power_of_two(uint32_t value) { return value && !(value & (value - 1)); }

DWORD image_section_protection(uint32_t characteristics)
{
    BOOL r = (characteristics & SCN_MEM_READ) != 0, w = (characteristics & SCN_MEM_WRITE) != 0,
         x = (characteristics & SCN_MEM_EXECUTE) != 0;
    if (x)
        return w ? PAGE_EXECUTE_WRITECOPY : r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    return w ? PAGE_WRITECOPY : r ? PAGE_READONLY : PAGE_NOACCESS;
}

DWORD image_writecopy_form(DWORD protect)
{
    DWORD modifiers = protect & ~(DWORD)0xff;
    switch (protect & 0xff) {
    case PAGE_READWRITE:          return PAGE_WRITECOPY | modifiers;
    case PAGE_EXECUTE_READWRITE:  return PAGE_EXECUTE_WRITECOPY | modifiers;
    default:                      return protect;
    }
}

static BOOL read_exactly(int fd, void *buffer, size_t size, uint64_t offset)
{
    size_t done = 0;
    while (done < size) {
        ssize_t got = pread(fd, (char *)buffer + done, size - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return failure_from_errno();
        if (got == 0)
            return failure(ERROR_BAD_EXE_FORMAT);
        done += (size_t)got;
    }
    return TRUE;
}

struct pe {
    uint32_t section_alignment, file_alignment, image_size, headers_size;
    unsigned sections;
    unsigned char table[IMAGE_MAX_SECTIONS * SECTION_HEADER_SIZE];
};

/* Reads and checks the headers. */
static BOOL read_headers(int fd, uint64_t file_size, struct pe *pe)
{
    unsigned char dos[64], nt[4 + FILE_HEADER_SIZE + OH_FIELDS_USED];
    if (file_size < sizeof(dos))
        return failure(ERROR_BAD_EXE_FORMAT);
    if (!read_exactly(fd, dos, sizeof(dos), 0))
        return FALSE;
    uint32_t nt_offset = read32(dos + DOS_LFANEW);
    if (read16(dos) != DOS_MAGIC || nt_offset + (uint64_t)sizeof(nt) > file_size)
        return failure(ERROR_BAD_EXE_FORMAT);
    if (!read_exactly(fd, nt, sizeof(nt), nt_offset))
        return FALSE;
    const unsigned char *file_header = nt + 4, *optional = file_header + FILE_HEADER_SIZE;
    uint16_t magic = read16(optional + OH_MAGIC);
    if (read32(nt) != NT_SIGNATURE || (magic != PE32_MAGIC && magic != PE32_PLUS_MAGIC))
        return failure(ERROR_BAD_EXE_FORMAT);
    pe->sections = read16(file_header + FH_NUMBER_OF_SECTIONS);
    pe->section_alignment = read32(optional + OH_SECTION_ALIGNMENT);
    pe->file_alignment = read32(optional + OH_FILE_ALIGNMENT);
    pe->image_size = read32(optional + OH_SIZE_OF_IMAGE);
    pe->headers_size = read32(optional + OH_SIZE_OF_HEADERS);
    uint64_t table_offset = (uint64_t)nt_offset + 4 + FILE_HEADER_SIZE + read16(file_header + FH_SIZE_OF_OPTIONAL_HEADER);
    uint64_t table_size = (uint64_t)pe->sections * SECTION_HEADER_SIZE;
    if (pe->sections > IMAGE_MAX_SECTIONS || table_offset + table_size > file_size ||
        !power_of_two(pe->section_alignment) || !power_of_two(pe->file_alignment) ||
        !pe->image_size || pe->image_size > MAX_IMAGE_SIZE || pe->headers_size > pe->image_size)
        return failure(ERROR_BAD_EXE_FORMAT);
    return read_exactly(fd, pe->table, (size_t)table_size, table_offset);
}

/* Views apply the ranges in order, so a later one overrides an earlier. */
static void protect_range(struct image_layout *layout, uint32_t start, uint32_t end, DWORD protect)
{
    layout->ranges[layout->count++] = (struct image_range){ start, end - start, protect };
}

void *image_load(int fd, uint64_t file_size, size_t page_size, struct image_layout *layout)
{
    struct pe pe = { 0 };
    if (!read_headers(fd, file_size, &pe))
        return NULL;
    uint64_t size = ((uint64_t)pe.image_size + page_size - 1) & ~(uint64_t)(page_size - 1);
    BOOL small_alignment = pe.section_alignment < page_size;
    if (small_alignment && pe.file_alignment != pe.section_alignment) {
        failure(ERROR_BAD_EXE_FORMAT);      /* such an image must be laid out as its file */
        return NULL;
    }
    unsigned char *image = calloc(1, (size_t)size);
    if (!image) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memset(layout, 0, sizeof(*layout));
    layout->size = (uint32_t)size;
    if (small_alignment) {
        /* File offsets are addresses: the whole image is one piece. */
        uint64_t copied = file_size < pe.image_size ? file_size : pe.image_size;
        if (!read_exactly(fd, image, (size_t)copied, 0))
            goto fail;
        protect_range(layout, 0, (uint32_t)size, PAGE_EXECUTE_WRITECOPY);
        return image;
    }
    uint64_t headers = pe.headers_size < file_size ? pe.headers_size : file_size;
    if (!read_exactly(fd, image, (size_t)headers, 0))
        goto fail;
    /* Pages no section covers read like the headers. */
    protect_range(layout, 0, (uint32_t)size, PAGE_READONLY);
    uint64_t previous_end = 0;
    for (unsigned i = 0; i < pe.sections; i++) {
        const unsigned char *header = pe.table + i * SECTION_HEADER_SIZE;
        uint32_t address = read32(header + SH_VIRTUAL_ADDRESS), raw_size = read32(header + SH_SIZE_OF_RAW_DATA);
        uint32_t raw_offset = read32(header + SH_POINTER_TO_RAW_DATA);
        uint64_t virtual_size = read32(header + SH_VIRTUAL_SIZE) ? read32(header + SH_VIRTUAL_SIZE) : raw_size;
        uint64_t end = ((uint64_t)address + virtual_size + page_size - 1) & ~(uint64_t)(page_size - 1);
        uint64_t copied = raw_size < virtual_size ? raw_size : virtual_size;
        if ((address & (pe.section_alignment - 1)) || address < previous_end || end > size ||
            (copied && (uint64_t)raw_offset + copied > file_size)) {
            failure(ERROR_BAD_EXE_FORMAT);
            goto fail;
        }
        if (copied && !read_exactly(fd, image + address, (size_t)copied, raw_offset))
            goto fail;
        if (end > address)
            protect_range(layout, address, (uint32_t)end,
                          image_section_protection(read32(header + SH_CHARACTERISTICS)));
        previous_end = end;
    }
    return image;

fail:
    free(image);
    return NULL;
}

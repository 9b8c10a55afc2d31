/* SEC_IMAGE: a PE file laid out as the Windows loader lays it out. */
#ifndef W32MEM_IMAGE_H
#define W32MEM_IMAGE_H

#include <stdint.h>
#include <sys/types.h>
#include <windows.h>

#define IMAGE_MAX_SECTIONS 96           /* what the Windows loader accepts */

/* Pages [start, start + size) of the image get protect in a view; ranges
 * apply in order, a later one over an earlier. */
struct image_range {
    uint32_t start, size;
    uint32_t protect;
};

/* How a view of the image is protected; kept in the section's own memfd,
 * so a process that opens the section by name finds it there. */
struct image_layout {
    uint32_t size;                      /* SizeOfImage in whole pages */
    uint32_t count;
    struct image_range ranges[IMAGE_MAX_SECTIONS + 1];     /* the whole image, then each section */
};

/* Checks the PE file (PE32 or PE32+) of file_size bytes at fd and lays it
 * out: headers at offset 0, each section's raw data at its VirtualAddress,
 * zeros elsewhere.  Returns a calloc'ed buffer of layout->size bytes, or
 * NULL with ERROR_BAD_EXE_FORMAT (not a PE image, or an inconsistent one),
 * ERROR_NOT_ENOUGH_MEMORY or a read error. */
void *image_load(int fd, uint64_t file_size, size_t page_size, struct image_layout *layout);

/* The protection Windows gives the pages of a section with these
 * characteristics (IMAGE_SCN_MEM_READ/WRITE/EXECUTE; writable sections are
 * copy-on-write). */
DWORD image_section_protection(uint32_t characteristics);

/* What VirtualProtect sets in an image view: writable protections turn
 * into their copy-on-write forms (fact 44). */
DWORD image_writecopy_form(DWORD protect);

#endif

/* UTF-16 <-> UTF-8. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "wide.h"
#include "inject.h"

char *utf8_from_wide(LPCWSTR wide)
{
    size_t units = 0;
    while (wide[units])
        units++;
    char *utf8 = malloc(units * 3 + 1);     /* a UTF-16 unit never needs more than 3 bytes */
    if (!utf8) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    char *out = utf8;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = wide[i];
        if (c >= 0xd800 && c < 0xdc00 && wide[i + 1] >= 0xdc00 && wide[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (wide[i + 1] - 0xdc00);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) {
            free(utf8);
            failure(ERROR_INVALID_NAME);
            return NULL;
        }
        if (c < 0x80) {
            *out++ = (char)c;
        } else if (c < 0x800) {
            *out++ = (char)(0xc0 | c >> 6);
            *out++ = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            *out++ = (char)(0xe0 | c >> 12);
            *out++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *out++ = (char)(0x80 | (c & 0x3f));
        } else {
            *out++ = (char)(0xf0 | c >> 18);
            *out++ = (char)(0x80 | ((c >> 12) & 0x3f));
            *out++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *out++ = (char)(0x80 | (c & 0x3f));
        }
    }
    *out = '\0';
    return utf8;
}

/* Decodes one UTF-8 sequence; invalid bytes become U+FFFD. */
static uint32_t next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0x80 && !more) {
        *p = s;
        return 0xfffd;
    }
    c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
    for (int i = 0; i < more; i++) {
        if ((*s & 0xc0) != 0x80) {
            *p = s;
            return 0xfffd;
        }
        c = c << 6 | (*s++ & 0x3f);
    }
    *p = s;
    return c;
}

DWORD wide_from_utf8(const char *utf8, LPWSTR buffer, DWORD capacity)
{
    DWORD needed = 0;
    for (const unsigned char *p = (const unsigned char *)utf8; *p;)
        needed += next_code_point(&p) >= 0x10000 ? 2 : 1;
    if (needed + 1 > capacity || !buffer)
        return needed + 1;
    DWORD at = 0;
    for (const unsigned char *p = (const unsigned char *)utf8; *p;) {
        uint32_t c = next_code_point(&p);
        if (c >= 0x10000) {
            buffer[at++] = (WCHAR)(0xd800 + ((c - 0x10000) >> 10));
            buffer[at++] = (WCHAR)(0xdc00 + ((c - 0x10000) & 0x3ff));
        } else {
            buffer[at++] = (WCHAR)c;
        }
    }
    buffer[at] = 0;
    return at;
}

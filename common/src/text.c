/* text.c - UTF-8 and control-character checks of peers' text (see vb/text.h).
 * Does not: decode into code points for anybody else, or allocate. */
#include "vb/text.h"

bool
vb_text_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t extra;
        unsigned int min;
        unsigned int code;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xE0) == 0xC0) {
            extra = 1, min = 0x80, code = *p & 0x1F;
        } else if ((*p & 0xF0) == 0xE0) {
            extra = 2, min = 0x800, code = *p & 0x0F;
        } else if ((*p & 0xF8) == 0xF0) {
            extra = 3, min = 0x10000, code = *p & 0x07;
        } else {
            return false;
        }
        p++;
        /* a NUL ends the loop here too: it is no continuation byte */
        for (size_t i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (*p & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
    }
    return true;
}

size_t
vb_text_length(const char *s)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if ((*p & 0xC0) != 0x80)
            count++;
    return count;
}

bool
vb_text_single_line(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return false;
    return true;
}

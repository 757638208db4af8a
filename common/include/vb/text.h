/* vb/text.h - the checks every service makes of text a peer sends: well-formed UTF-8, its
 * length in characters (code points), and whether it stays on one line.
 * Does not: know any field or limit (each service's _validate.c does), normalise, or allocate. */
#ifndef VB_TEXT_H
#define VB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is well-formed UTF-8: no stray continuation bytes, no truncated sequences, no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing beyond U+10FFFF. NULL counts as "". */
bool vb_text_utf8_valid(const char *s);

/* The number of code points in s (valid UTF-8, see vb_text_utf8_valid); 0 for NULL. */
size_t vb_text_length(const char *s);

/* True when s has no control character (below U+0020, or DEL): no line break, no tab. NULL
 * counts as "". */
bool vb_text_single_line(const char *s);

#endif

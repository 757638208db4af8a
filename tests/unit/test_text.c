/* test_text.c - unit tests of vb/text.h: well-formed and malformed UTF-8 (a table of byte
 * strings), lengths in code points, single-line text, NULL as "".
 * Does not: test any service's field limits (test_*_logic.c do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vb/text.h"

/* Usage: a validator checks a peer's text is UTF-8 and short enough, counting characters. */
static void
test_text_usage_example(void **state)
{
    (void)state;
    const char *name = "Grüße aus Köln";
    assert_true(vb_text_utf8_valid(name));
    assert_int_equal(vb_text_length(name), 14);
    assert_true(vb_text_single_line(name));
}

static const struct {
    const char *text;
    bool valid;
    const char *why;
} s_utf8[] = {
    {"", true, "empty"},
    {"plain ascii", true, "ASCII"},
    {"\xc3\xa4", true, "two bytes (U+00E4)"},
    {"\xe2\x82\xac", true, "three bytes (U+20AC)"},
    {"\xf0\x9f\x98\x80", true, "four bytes (U+1F600)"},
    {"\xf4\x8f\xbf\xbf", true, "U+10FFFF, the last code point"},
    {"\xed\x9f\xbf", true, "U+D7FF, just below the surrogates"},
    {"\x80", false, "a stray continuation byte"},
    {"\xc3", false, "a truncated sequence"},
    {"\xe2\x82", false, "a truncated three-byte sequence"},
    {"\xc3\x28", false, "a lead byte without continuation"},
    {"\xc0\xaf", false, "an overlong '/'"},
    {"\xe0\x80\xaf", false, "an overlong three-byte form"},
    {"\xf0\x80\x80\xaf", false, "an overlong four-byte form"},
    {"\xed\xa0\x80", false, "a surrogate (U+D800)"},
    {"\xed\xbf\xbf", false, "a surrogate (U+DFFF)"},
    {"\xf4\x90\x80\x80", false, "beyond U+10FFFF"},
    {"\xf8\x88\x80\x80\x80", false, "a five-byte form"},
    {"\xff\xfe", false, "bytes that never start a sequence"},
};

static void
test_text_utf8_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_utf8 / sizeof s_utf8[0]; i++) {
        if (vb_text_utf8_valid(s_utf8[i].text) != s_utf8[i].valid)
            fail_msg("case %zu (%s): expected %s", i, s_utf8[i].why,
                     s_utf8[i].valid ? "valid" : "invalid");
    }
    assert_true(vb_text_utf8_valid(NULL));
}

static void
test_text_length_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(vb_text_length(""), 0);
    assert_int_equal(vb_text_length(NULL), 0);
    assert_int_equal(vb_text_length("abc"), 3);
    assert_int_equal(vb_text_length("\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80"), 3);
}

static void
test_text_single_line(void **state)
{
    (void)state;
    assert_true(vb_text_single_line("one line, \xc3\xa4 too"));
    assert_true(vb_text_single_line(NULL));
    assert_false(vb_text_single_line("two\nlines"));
    assert_false(vb_text_single_line("a\ttab"));
    assert_false(vb_text_single_line("a\rreturn"));
    assert_false(vb_text_single_line("del\x7f"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_usage_example),
        cmocka_unit_test(test_text_utf8_table),
        cmocka_unit_test(test_text_length_counts_code_points),
        cmocka_unit_test(test_text_single_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

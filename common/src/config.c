/* config.c - the table-driven environment loader of vb/config.h: NAME or NAME_FILE (secrets),
 * defaults, strtoll with range checks, booleans, and --print-config with secrets redacted.
 * Does not: read config files, expand variables or reload. */
#include "vb/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vb/assert.h"

/* A secret file larger than this is a mistake (a certificate bundle, a log file). */
#define CONFIG_FILE_MAX 65536

typedef struct {
    const char *text;
    int value;
} bool_word_t;

static const bool_word_t s_bool_words[] = {
    {"1", 1}, {"0", 0},         /* numeric */
    {"true", 1}, {"false", 0},  /* JSON-style */
    {"yes", 1}, {"no", 0},      /* shell-style */
    {"on", 1}, {"off", 0},      /* switch-style */
};

static void VB_PRINTF(3, 4)
s_error(char *err, size_t err_size, const char *fmt, ...)
{
    if (!err || err_size == 0)
        return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(err, err_size, fmt, args);
    va_end(args);
}

static char **
s_string_field(const vb_config_entry_t *entry, void *target)
{
    return (char **) ((char *) target + entry->offset);
}

/* Reads a secret file whole, without its trailing newlines. Returns a malloc'ed string or NULL
 * with err set. */
static char *
s_read_secret_file(const char *variable, const char *path, char *err, size_t err_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        s_error(err, err_size, "%s: cannot open %s: %s", variable, path, strerror(errno));
        return NULL;
    }
    char *text = malloc(CONFIG_FILE_MAX + 1);
    if (!text) {
        fclose(file);
        s_error(err, err_size, "%s: out of memory", variable);
        return NULL;
    }
    size_t length = fread(text, 1, CONFIG_FILE_MAX + 1, file);
    int read_error = ferror(file);
    fclose(file);
    if (read_error) {
        s_error(err, err_size, "%s: cannot read %s", variable, path);
        free(text);
        return NULL;
    }
    if (length > CONFIG_FILE_MAX) {
        s_error(err, err_size, "%s: %s is larger than %d bytes", variable, path, CONFIG_FILE_MAX);
        free(text);
        return NULL;
    }
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r'))
        length--;
    text[length] = '\0';
    if (strlen(text) != length) {
        s_error(err, err_size, "%s: %s contains a NUL byte", variable, path);
        free(text);
        return NULL;
    }
    return text;
}

/* The raw text for an entry: from NAME, NAME_FILE (secrets) or the default. Sets *owned when the
 * text was read from a file (caller frees). Returns 0 (*text NULL when unset) or -1. */
static int
s_raw_value(const vb_config_entry_t *entry, const char **text, char **owned, char *err,
            size_t err_size)
{
    *owned = NULL;
    *text = getenv(entry->env);
    if (entry->flags & VB_CONFIG_SECRET) {
        char file_variable[256];
        int length = snprintf(file_variable, sizeof(file_variable), "%s_FILE", entry->env);
        VB_ASSERT(length > 0 && (size_t) length < sizeof(file_variable));
        const char *path = getenv(file_variable);
        if (path && *text) {
            s_error(err, err_size, "%s: set either %s or %s, not both", entry->env, entry->env,
                    file_variable);
            return -1;
        }
        if (path) {
            *owned = s_read_secret_file(file_variable, path, err, err_size);
            if (!*owned)
                return -1;
            *text = *owned;
        }
    }
    if (!*text)
        *text = entry->default_value;
    return 0;
}

static int
s_parse_int(const vb_config_entry_t *entry, const char *text, int64_t *out, char *err,
            size_t err_size)
{
    /* Secrets are never echoed back in an error. */
    const char *shown = (entry->flags & VB_CONFIG_SECRET) ? "the value" : text;
    errno = 0;
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || isspace((unsigned char) *text)) {
        s_error(err, err_size, "%s: \"%s\" is not an integer", entry->env, shown);
        return -1;
    }
    if (errno == ERANGE) {
        s_error(err, err_size, "%s: %s is out of the 64-bit range", entry->env, shown);
        return -1;
    }
    /* min == max == 0 means the table gave no range. */
    bool ranged = entry->min != 0 || entry->max != 0;
    if (ranged && value < entry->min) {
        s_error(err, err_size, "%s: %s is below the minimum %lld", entry->env, shown,
                (long long) entry->min);
        return -1;
    }
    if (ranged && value > entry->max) {
        s_error(err, err_size, "%s: %s is above the maximum %lld", entry->env, shown,
                (long long) entry->max);
        return -1;
    }
    *out = (int64_t) value;
    return 0;
}

static int
s_parse_bool(const vb_config_entry_t *entry, const char *text, int *out, char *err,
             size_t err_size)
{
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_bool_words); i++) {
        if (strcasecmp(text, s_bool_words[i].text) == 0) {
            *out = s_bool_words[i].value;
            return 0;
        }
    }
    const char *shown = (entry->flags & VB_CONFIG_SECRET) ? "the value" : text;
    s_error(err, err_size, "%s: \"%s\" is not a boolean (true/false, yes/no, on/off, 1/0)",
            entry->env, shown);
    return -1;
}

static int
s_load_entry(const vb_config_entry_t *entry, void *target, char *err, size_t err_size)
{
    const char *text;
    char *owned;
    if (s_raw_value(entry, &text, &owned, err, err_size) != 0)
        return -1;
    if (!text) {
        if (entry->flags & VB_CONFIG_REQUIRED) {
            if (entry->flags & VB_CONFIG_SECRET)
                s_error(err, err_size, "%s: required but not set (nor %s_FILE)", entry->env,
                        entry->env);
            else
                s_error(err, err_size, "%s: required but not set", entry->env);
            return -1;
        }
        return 0; /* unset and optional: the field keeps its zero / NULL */
    }

    int rc = 0;
    switch (entry->type) {
    case VB_CONFIG_STRING: {
        char *copy = owned ? owned : strdup(text);
        owned = NULL;
        if (!copy) {
            s_error(err, err_size, "%s: out of memory", entry->env);
            rc = -1;
            break;
        }
        *s_string_field(entry, target) = copy;
        break;
    }
    case VB_CONFIG_INT: {
        int64_t value;
        rc = s_parse_int(entry, text, &value, err, err_size);
        if (rc == 0)
            memcpy((char *) target + entry->offset, &value, sizeof(value));
        break;
    }
    case VB_CONFIG_BOOL: {
        int value;
        rc = s_parse_bool(entry, text, &value, err, err_size);
        if (rc == 0)
            memcpy((char *) target + entry->offset, &value, sizeof(value));
        break;
    }
    default:
        VB_ASSERT(!"unknown vb_config_type_t in a config table");
    }
    free(owned);
    return rc;
}

int
vb_config_load(const vb_config_entry_t *table, size_t count, void *target, char *err,
               size_t err_size)
{
    VB_ASSERT(table && target);
    if (err && err_size > 0)
        err[0] = '\0';
    /* Every string field starts NULL so a failure can free exactly what was loaded. */
    for (size_t i = 0; i < count; i++) {
        if (table[i].type == VB_CONFIG_STRING)
            *s_string_field(&table[i], target) = NULL;
    }
    for (size_t i = 0; i < count; i++) {
        VB_ASSERT(table[i].env);
        if (s_load_entry(&table[i], target, err, err_size) != 0) {
            vb_config_free(table, count, target);
            return -1;
        }
    }
    return 0;
}

void
vb_config_free(const vb_config_entry_t *table, size_t count, void *target)
{
    if (!table || !target)
        return;
    for (size_t i = 0; i < count; i++) {
        if (table[i].type != VB_CONFIG_STRING)
            continue;
        char **field = s_string_field(&table[i], target);
        free(*field);
        *field = NULL;
    }
}

void
vb_config_print(const vb_config_entry_t *table, size_t count, const void *target, FILE *out)
{
    VB_ASSERT(table && target && out);
    for (size_t i = 0; i < count; i++) {
        const vb_config_entry_t *entry = &table[i];
        const char *field = (const char *) target + entry->offset;
        if (entry->help)
            fprintf(out, "# %s\n", entry->help);
        switch (entry->type) {
        case VB_CONFIG_STRING: {
            const char *value;
            memcpy(&value, field, sizeof(value));
            if (!value)
                fprintf(out, "%s=\n", entry->env);
            else if (entry->flags & VB_CONFIG_SECRET)
                fprintf(out, "%s=(redacted)\n", entry->env);
            else
                fprintf(out, "%s=%s\n", entry->env, value);
            break;
        }
        case VB_CONFIG_INT: {
            int64_t value;
            memcpy(&value, field, sizeof(value));
            if (entry->flags & VB_CONFIG_SECRET)
                fprintf(out, "%s=(redacted)\n", entry->env);
            else
                fprintf(out, "%s=%lld\n", entry->env, (long long) value);
            break;
        }
        case VB_CONFIG_BOOL: {
            int value;
            memcpy(&value, field, sizeof(value));
            if (entry->flags & VB_CONFIG_SECRET)
                fprintf(out, "%s=(redacted)\n", entry->env);
            else
                fprintf(out, "%s=%s\n", entry->env, value ? "true" : "false");
            break;
        }
        default:
            VB_ASSERT(!"unknown vb_config_type_t in a config table");
        }
    }
}

/* vb/config.h - typed configuration from environment variables, described by one table per
 * program. NAME_FILE reads a secret from a file (trailing newline stripped). Integers are parsed
 * with strtoll and range-checked. Does not: read config files or watch for changes. */
#ifndef VB_CONFIG_H
#define VB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    VB_CONFIG_STRING, /* field is char * (owned by the target after load; freed by vb_config_free) */
    VB_CONFIG_INT,    /* field is int64_t, checked against min..max */
    VB_CONFIG_BOOL,   /* field is int: accepts 1/0, true/false, yes/no, on/off */
} vb_config_type_t;

enum {
    VB_CONFIG_SECRET = 1 << 0,   /* redacted by vb_config_print; NAME_FILE allowed */
    VB_CONFIG_REQUIRED = 1 << 1, /* no default; loading fails when unset */
};

typedef struct {
    const char *env;           /* "VERBUND_HTTP_PORT" */
    vb_config_type_t type;
    size_t offset;             /* offsetof(target struct, field) */
    const char *default_value; /* textual default, parsed like the environment; NULL = unset */
    int64_t min, max;          /* for VB_CONFIG_INT */
    unsigned flags;
    const char *help;          /* one line for --print-config and the README */
} vb_config_entry_t;

/* Fills target from the environment. Returns 0, or -1 with a message naming the variable in
 * err ("VERBUND_HTTP_PORT: 70000 is above the maximum 65535"). On failure target holds no
 * allocated strings. */
int vb_config_load(const vb_config_entry_t *table, size_t count, void *target, char *err,
                   size_t err_size);

/* Frees the strings vb_config_load allocated in target. */
void vb_config_free(const vb_config_entry_t *table, size_t count, void *target);

/* Prints NAME=value lines, secrets as "(redacted)". */
void vb_config_print(const vb_config_entry_t *table, size_t count, const void *target, FILE *out);

#endif

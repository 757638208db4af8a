/* membership_tokens.c - token generation and hashing with libsodium, and the token -> Caller
 * rule. Does not: store tokens or compare secrets (the lookup is by hash). */
#include "membership_tokens.h"

#include <string.h>

#include <sodium.h>

static const char *const s_role_names[] = {
    [MEMBERSHIP_ROLE_ADMIN] = "admin",
    [MEMBERSHIP_ROLE_STAFF] = "staff",
    [MEMBERSHIP_ROLE_MEMBER] = "member",
    [MEMBERSHIP_ROLE_SERVICE] = "service",
};

int
membership_tokens_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void
membership_tokens_generate(char out[MEMBERSHIP_TOKEN_SIZE])
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(out, MEMBERSHIP_TOKEN_SIZE, bytes, sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
}

int
membership_tokens_hash(const char *token, char out[MEMBERSHIP_TOKEN_HASH_SIZE])
{
    if (!token)
        return -1;
    size_t length = strnlen(token, MEMBERSHIP_TOKEN_MAX_LENGTH + 1);
    if (length == 0 || length > MEMBERSHIP_TOKEN_MAX_LENGTH)
        return -1;
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)token, length, NULL, 0);
    sodium_bin2hex(out, MEMBERSHIP_TOKEN_HASH_SIZE, digest, sizeof digest);
    return 0;
}

vb_status_t
membership_tokens_check(const membership_token_row_t *row, membership_caller_t *caller)
{
    VB_ASSERT(row && caller);
    membership_role_t role;
    if (row->expired || row->revoked || !row->role || membership_role_parse(row->role, &role) != 0)
        return VB_STATUS_UNAUTHENTICATED;
    const char *person_id = row->person_id ? row->person_id : "";
    if (role == MEMBERSHIP_ROLE_MEMBER && !person_id[0])
        return VB_STATUS_UNAUTHENTICATED;
    caller->role = role;
    caller->person_id = (char *)person_id;
    /* members are known by their person, everybody else by the token */
    caller->id = (char *)(role == MEMBERSHIP_ROLE_MEMBER ? person_id : row->id);
    return VB_STATUS_OK;
}

bool
membership_tokens_topic_valid(const char *prefix)
{
    if (!prefix)
        return false;
    size_t length = strnlen(prefix, MEMBERSHIP_TOKEN_TOPIC_MAX_LENGTH + 1);
    if (length == 0 || length > MEMBERSHIP_TOKEN_TOPIC_MAX_LENGTH)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = prefix[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

char *
membership_tokens_topics_join(vb_arena_t *arena, char *const *prefixes, size_t count)
{
    size_t size = 1;
    for (size_t i = 0; i < count; i++)
        size += strlen(prefixes[i]) + 1;
    char *joined = vb_arena_alloc(arena, size);
    if (!joined)
        return NULL;
    char *at = joined;
    for (size_t i = 0; i < count; i++) {
        size_t length = strlen(prefixes[i]);
        if (i > 0)
            *at++ = ',';
        memcpy(at, prefixes[i], length);
        at += length;
    }
    *at = '\0';
    return joined;
}

int
membership_tokens_topics_split(vb_arena_t *arena, const char *joined, char ***prefixes)
{
    *prefixes = NULL;
    if (!joined || !joined[0])
        return 0;
    int count = 1;
    for (const char *c = joined; *c; c++)
        count += *c == ',';
    char **items = vb_arena_alloc(arena, sizeof(*items) * (size_t)count);
    if (!items)
        return -1;
    int n = 0;
    const char *start = joined;
    for (;;) {
        size_t length = strcspn(start, ",");
        if (length > 0 && !(items[n++] = vb_arena_strndup(arena, start, length)))
            return -1;
        if (!start[length])
            break;
        start += length + 1;
    }
    *prefixes = items;
    return n;
}

const char *
membership_role_name(membership_role_t role)
{
    if ((int)role <= 0 || (size_t)role >= VB_ARRAY_SIZE(s_role_names))
        return NULL;
    return s_role_names[role];
}

int
membership_role_parse(const char *name, membership_role_t *role)
{
    for (size_t i = 1; i < VB_ARRAY_SIZE(s_role_names); i++) {
        if (name && strcmp(name, s_role_names[i]) == 0) {
            *role = (membership_role_t)i;
            return 0;
        }
    }
    return -1;
}

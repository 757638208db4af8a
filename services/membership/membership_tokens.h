/* membership_tokens.h - API bearer tokens: 32 random bytes shown once as 64 hex characters;
 * only the BLAKE2b digest (crypto_generichash, 32 bytes, as hex) is stored, with the role,
 * person, label and expiry. This module makes and hashes tokens and turns a stored row into the
 * Caller. Does not: read or write the tokens table (membership_store does). */
#ifndef MEMBERSHIP_TOKENS_H
#define MEMBERSHIP_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/assert.h"
#include "vb/status.h"
#include "membership_proto.h"

#define MEMBERSHIP_TOKEN_SIZE 65        /* 64 hex characters and NUL */
#define MEMBERSHIP_TOKEN_HASH_SIZE 65   /* 64 hex characters and NUL */
#define MEMBERSHIP_TOKEN_MAX_LENGTH 512 /* longer presented tokens are refused unhashed */
#define MEMBERSHIP_TOKEN_DEFAULT_TTL_SECONDS (90 * 24 * 3600)
#define MEMBERSHIP_TOKEN_MAX_TTL_SECONDS (10LL * 366 * 24 * 3600)

/* Initialises libsodium; call once at start (idempotent). 0 or -1. */
int membership_tokens_init(void) VB_MUSTCHECK;

/* Writes a new random token (lower-case hex). */
void membership_tokens_generate(char out[MEMBERSHIP_TOKEN_SIZE]);

/* Writes the stored form of a presented token. 0, or -1 when token is empty or longer than
 * MEMBERSHIP_TOKEN_MAX_LENGTH (such a token is never valid). */
int membership_tokens_hash(const char *token, char out[MEMBERSHIP_TOKEN_HASH_SIZE]) VB_MUSTCHECK;

/* A stored token as the store reads it. */
typedef struct {
    const char *id;
    const char *role;      /* "admin", "staff", "member", "service" */
    const char *person_id; /* "" when none */
    bool expired;          /* expires_at <= now, decided by the database clock */
    bool revoked;
} membership_token_row_t;

/* Decides whether a stored token authenticates and fills caller (strings borrowed from row).
 * OK, or UNAUTHENTICATED for expired, revoked, an unknown role, or a member token without a
 * person. */
vb_status_t membership_tokens_check(const membership_token_row_t *row, membership_caller_t *caller);

/* Stream topic prefixes of a token: at most MEMBERSHIP_TOKEN_MAX_TOPICS, each 1..128 characters
 * of [A-Za-z0-9._-] ("verbund.membership."), stored joined by commas. */
#define MEMBERSHIP_TOKEN_MAX_TOPICS 16
#define MEMBERSHIP_TOKEN_TOPIC_MAX_LENGTH 128

/* True when prefix is a well-formed topic prefix. */
bool membership_tokens_topic_valid(const char *prefix);

/* The prefixes joined by commas, in arena ("" when count is 0); NULL when out of memory. */
char *membership_tokens_topics_join(vb_arena_t *arena, char *const *prefixes, size_t count);

/* Splits a comma-joined list into *prefixes (arena); returns the count (0 for "" or NULL), or
 * -1 when out of memory. */
int membership_tokens_topics_split(vb_arena_t *arena, const char *joined, char ***prefixes);

/* "admin" .. "service"; NULL for UNSPECIFIED and unknown values. */
const char *membership_role_name(membership_role_t role);

/* Parses a role name; 0 and *role set, or -1. */
int membership_role_parse(const char *name, membership_role_t *role);

#endif

/* matchmaking_read_model.h - the matchmaking service's in-memory copy of what other services
 * own: persons (skills, interests, languages, region, sector, organisation), expert profiles,
 * organisations (kind, sector, region) and communities. Loaded at start over RPC and kept
 * current from the event stream (matchmaking_follow.c) by the put/erase functions here.
 * Compact by construction: ids are 16 raw bytes, strings that repeat (languages, regions,
 * sectors, interests) are interned to 32-bit symbols, competence levels are one byte per
 * taxonomy index, and every record is a fixed-size struct in one growing array (100,000
 * persons with profiles stay far below 200 MiB; see bench/bench_match_read_model.c).
 * Does not: talk to sockets or the database, or decide matches (match.h does). Not
 * thread-safe: the service loop owns it. */
#ifndef MATCHMAKING_READ_MODEL_H
#define MATCHMAKING_READ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/assert.h"
#include "vb/taxonomy.h"

#define MATCHMAKING_COMPETENCES_MAX 64 /* taxonomy size the level arrays hold */
#define MATCHMAKING_LANGUAGES_MAX 4    /* per person or profile; more are dropped */
#define MATCHMAKING_INTERESTS_MAX 8    /* per person; more are dropped */
#define MATCHMAKING_REGIONS_MAX 4      /* per profile; more are dropped */
#define MATCHMAKING_NONE UINT32_MAX    /* "no index" */
#define MATCHMAKING_NO_RATE INT64_C(-1)

/* An interned string; 0 is "" (none). */
typedef uint32_t matchmaking_symbol_t;

typedef struct {
    uint8_t bytes[16];
} matchmaking_uuid_t;

typedef struct {
    matchmaking_uuid_t id;
    char *name;            /* owned; "" after erasure */
    uint32_t organization; /* index into organisations, or MATCHMAKING_NONE */
    uint32_t profile;      /* index into profiles, or MATCHMAKING_NONE */
    matchmaking_symbol_t region;
    matchmaking_symbol_t sector;
    matchmaking_symbol_t languages[MATCHMAKING_LANGUAGES_MAX]; /* 0-terminated when shorter */
    matchmaking_symbol_t interests[MATCHMAKING_INTERESTS_MAX]; /* 0-terminated when shorter */
    uint8_t levels[MATCHMAKING_COMPETENCES_MAX]; /* skill level by taxonomy index, 0 = none */
    int64_t version; /* the membership version applied (older events are skipped) */
    bool alive;      /* false: erased, or known only by reference */
} matchmaking_person_t;

typedef struct {
    uint32_t person; /* index into persons */
    uint8_t levels[MATCHMAKING_COMPETENCES_MAX];
    uint64_t competence_mask;  /* bit i: levels[i] > 0 (cheap pre-filter) */
    int64_t hourly_rate_cents; /* MATCHMAKING_NO_RATE when not given */
    int64_t day_rate_cents;
    matchmaking_symbol_t languages[MATCHMAKING_LANGUAGES_MAX];
    matchmaking_symbol_t regions[MATCHMAKING_REGIONS_MAX];
    int32_t hours_per_month;
    int64_t version;
    bool remote;
    bool alive; /* false: deleted with its person's erasure */
} matchmaking_profile_t;

typedef struct {
    matchmaking_uuid_t id;
    char *name; /* owned */
    int kind;   /* Verbund__Membership__V1__OrganizationKind */
    matchmaking_symbol_t region;
    matchmaking_symbol_t sector;
    int64_t version;
} matchmaking_organization_t;

typedef struct {
    matchmaking_uuid_t id;
    char *name;                /* owned */
    matchmaking_symbol_t kind; /* the community kind as a symbol */
} matchmaking_community_t;

typedef struct matchmaking_read_model matchmaking_read_model_t;

/* An empty model whose competence indexes follow taxonomy (copied; codes in code order).
 * NULL when out of memory or when the taxonomy has more than MATCHMAKING_COMPETENCES_MAX
 * codes. */
matchmaking_read_model_t *matchmaking_read_model_new(const vb_taxonomy_t *taxonomy);
void matchmaking_read_model_destroy(matchmaking_read_model_t **self_p);

/* Parses a canonical UUID text into 16 bytes; false when it is not one. */
bool matchmaking_uuid_parse(const char *text, matchmaking_uuid_t *out);
/* Formats 16 bytes as canonical lower-case UUID text (37 bytes with the NUL). */
void matchmaking_uuid_format(const matchmaking_uuid_t *id, char out[37]);

/* ---- changes (from the initial load and from events). 0, or -1 on a bad id or out of
 * memory. A record with a version older than the one held is ignored (events may come twice
 * or out of order with the load). ---- */
int matchmaking_read_model_person_put(matchmaking_read_model_t *self,
                                      const Verbund__Membership__V1__Person *person);
/* Erasure: forgets the name and every attribute and drops the expert profile. */
int matchmaking_read_model_person_erase(matchmaking_read_model_t *self, const char *id);
/* A profile of a person not seen yet creates that person (not alive until its person arrives;
 * its profile still matches, since profiles are what experts are found by). */
int matchmaking_read_model_profile_put(matchmaking_read_model_t *self,
                                       const Verbund__Membership__V1__ExpertProfile *profile);
int matchmaking_read_model_organization_put(matchmaking_read_model_t *self,
                                            const Verbund__Membership__V1__Organization *org);
int matchmaking_read_model_community_put(matchmaking_read_model_t *self, const char *id,
                                         const char *name, const char *kind);

/* ---- reading. Pointers are borrowed until the next change. ---- */
size_t matchmaking_read_model_person_count(const matchmaking_read_model_t *self);
size_t matchmaking_read_model_profile_count(const matchmaking_read_model_t *self);
size_t matchmaking_read_model_organization_count(const matchmaking_read_model_t *self);
size_t matchmaking_read_model_community_count(const matchmaking_read_model_t *self);
const matchmaking_person_t *matchmaking_read_model_person_at(const matchmaking_read_model_t *self,
                                                             uint32_t index);
const matchmaking_profile_t *matchmaking_read_model_profile_at(const matchmaking_read_model_t *self,
                                                               uint32_t index);
const matchmaking_organization_t *
matchmaking_read_model_organization_at(const matchmaking_read_model_t *self, uint32_t index);

/* The index of the person / organisation with this id, or MATCHMAKING_NONE. */
uint32_t matchmaking_read_model_person_find(const matchmaking_read_model_t *self, const char *id);
uint32_t matchmaking_read_model_organization_find(const matchmaking_read_model_t *self,
                                                  const char *id);

/* Competences: the taxonomy index of a code (-1 when unknown), the code of an index. */
int matchmaking_read_model_competence_index(const matchmaking_read_model_t *self, const char *code);
const char *matchmaking_read_model_competence_code(const matchmaking_read_model_t *self, int index);
size_t matchmaking_read_model_competence_count(const matchmaking_read_model_t *self);

/* Symbols: the text of a symbol (borrowed; "" for 0), and the symbol of a text without
 * interning it (0 when the text was never seen: nothing in the model has it). Case-sensitive
 * except for regions and languages, which are interned lower-cased. */
const char *matchmaking_read_model_symbol_text(const matchmaking_read_model_t *self,
                                               matchmaking_symbol_t symbol);
matchmaking_symbol_t matchmaking_read_model_symbol_find(const matchmaking_read_model_t *self,
                                                        const char *text, bool lower);

/* Counts changes to persons and profiles: a cached expert index built at generation g is
 * stale once this differs from g. */
uint64_t matchmaking_read_model_generation(const matchmaking_read_model_t *self);

/* Bytes held by the model's arrays, tables and strings (for metrics and the benchmark). */
size_t matchmaking_read_model_bytes(const matchmaking_read_model_t *self);

#endif

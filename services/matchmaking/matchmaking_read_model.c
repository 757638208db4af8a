/* matchmaking_read_model.c - the in-memory read model (see the header): growing arrays of
 * fixed-size records, open-addressing id indexes (16-byte keys -> array index) and one string
 * interning table (a character pool plus a hash of offsets).
 * Does not: remove records (an erased person keeps its slot, emptied, so indexes stay
 * stable), or shrink. */
#include "matchmaking_read_model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define S_TEXT_MAX 200 /* longest interned text; longer ones are cut (names of regions etc.) */

/* An id index: slots hold array index + 1 (0 = empty); the key is read from the records. */
typedef struct {
    uint32_t *slots;
    size_t capacity; /* power of two */
    size_t used;
} s_index_t;

struct matchmaking_read_model {
    char **codes; /* taxonomy codes in code order (owned) */
    size_t code_count;
    matchmaking_person_t *persons; /* records; never removed */
    size_t person_count, person_capacity;
    matchmaking_profile_t *profiles;
    size_t profile_count, profile_capacity;
    matchmaking_organization_t *organizations;
    size_t organization_count, organization_capacity;
    matchmaking_community_t *communities;
    size_t community_count, community_capacity;
    s_index_t person_index, organization_index, community_index;
    char *pool; /* interned texts, NUL-separated; offset 0 is "" */
    size_t pool_size, pool_capacity;
    uint32_t *symbol_offsets; /* symbol -> offset in pool */
    size_t symbol_count, symbol_capacity;
    uint32_t *symbol_slots; /* hash: symbol (0 = empty slot; "" is never hashed) */
    size_t symbol_slot_capacity;
    size_t name_bytes;   /* bytes of owned names */
    uint64_t generation; /* person and profile changes so far */
};

/* ---- helpers ---- */

static uint64_t
s_hash_bytes(const void *data, size_t size)
{
    /* FNV-1a: enough for ids (already random) and short texts */
    const uint8_t *p = data;
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int
s_grow(void **items, size_t *capacity, size_t item_size, size_t needed)
{
    if (needed <= *capacity)
        return 0;
    size_t capacity_new = *capacity ? *capacity : 16;
    while (capacity_new < needed)
        capacity_new *= 2;
    void *p = realloc(*items, capacity_new * item_size);
    if (!p)
        return -1;
    *items = p;
    *capacity = capacity_new;
    return 0;
}

bool
matchmaking_uuid_parse(const char *text, matchmaking_uuid_t *out)
{
    if (!text || strlen(text) != 36)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return false;
            i++;
            continue;
        }
        int hi = isxdigit((unsigned char)text[i]) ? text[i] : -1;
        int lo = isxdigit((unsigned char)text[i + 1]) ? text[i + 1] : -1;
        if (hi < 0 || lo < 0)
            return false;
        hi = isdigit(hi) ? hi - '0' : tolower(hi) - 'a' + 10;
        lo = isdigit(lo) ? lo - '0' : tolower(lo) - 'a' + 10;
        out->bytes[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return n == 16;
}

void
matchmaking_uuid_format(const matchmaking_uuid_t *id, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[id->bytes[i] >> 4];
        out[o++] = hex[id->bytes[i] & 15];
    }
    out[o] = '\0';
}

/* ---- id indexes ---- */

typedef const matchmaking_uuid_t *(*s_key_fn)(const matchmaking_read_model_t *self, uint32_t i);

static const matchmaking_uuid_t *
s_person_key(const matchmaking_read_model_t *self, uint32_t i)
{
    return &self->persons[i].id;
}

static const matchmaking_uuid_t *
s_organization_key(const matchmaking_read_model_t *self, uint32_t i)
{
    return &self->organizations[i].id;
}

static const matchmaking_uuid_t *
s_community_key(const matchmaking_read_model_t *self, uint32_t i)
{
    return &self->communities[i].id;
}

static uint32_t
s_index_find(const matchmaking_read_model_t *self, const s_index_t *index, s_key_fn key,
             const matchmaking_uuid_t *id)
{
    if (index->capacity == 0)
        return MATCHMAKING_NONE;
    size_t mask = index->capacity - 1;
    for (size_t slot = s_hash_bytes(id, sizeof *id) & mask;; slot = (slot + 1) & mask) {
        uint32_t value = index->slots[slot];
        if (value == 0)
            return MATCHMAKING_NONE;
        if (memcmp(key(self, value - 1), id, sizeof *id) == 0)
            return value - 1;
    }
}

static void
s_index_place(uint32_t *slots, size_t capacity, const matchmaking_uuid_t *id, uint32_t value)
{
    size_t mask = capacity - 1;
    size_t slot = s_hash_bytes(id, sizeof *id) & mask;
    while (slots[slot] != 0)
        slot = (slot + 1) & mask;
    slots[slot] = value + 1;
}

/* Adds id -> value (id not present yet). 0 or -1. */
static int
s_index_add(matchmaking_read_model_t *self, s_index_t *index, s_key_fn key,
            const matchmaking_uuid_t *id, uint32_t value)
{
    if ((index->used + 1) * 10 > index->capacity * 7) { /* keep the load under 0.7 */
        size_t capacity = index->capacity ? index->capacity * 2 : 64;
        uint32_t *slots = calloc(capacity, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < index->capacity; i++)
            if (index->slots[i])
                s_index_place(slots, capacity, key(self, index->slots[i] - 1), index->slots[i] - 1);
        free(index->slots);
        index->slots = slots;
        index->capacity = capacity;
    }
    s_index_place(index->slots, index->capacity, id, value);
    index->used++;
    return 0;
}

/* ---- interning ---- */

static const char *
s_symbol_text(const matchmaking_read_model_t *self, matchmaking_symbol_t symbol)
{
    return self->pool + self->symbol_offsets[symbol];
}

/* Copies text (lower-cased when asked, cut at S_TEXT_MAX) into buffer. */
static void
s_normalise(const char *text, bool lower, char buffer[S_TEXT_MAX + 1])
{
    size_t n = 0;
    for (; text[n] && n < S_TEXT_MAX; n++)
        buffer[n] = lower ? (char)tolower((unsigned char)text[n]) : text[n];
    buffer[n] = '\0';
}

static matchmaking_symbol_t
s_symbol_lookup(const matchmaking_read_model_t *self, const char *text)
{
    if (!text[0] || self->symbol_slot_capacity == 0)
        return 0;
    size_t mask = self->symbol_slot_capacity - 1;
    for (size_t slot = s_hash_bytes(text, strlen(text)) & mask;; slot = (slot + 1) & mask) {
        uint32_t symbol = self->symbol_slots[slot];
        if (symbol == 0)
            return 0;
        if (strcmp(s_symbol_text(self, symbol), text) == 0)
            return symbol;
    }
}

static void
s_symbol_place(matchmaking_read_model_t *self, uint32_t *slots, size_t capacity, uint32_t symbol)
{
    const char *text = s_symbol_text(self, symbol);
    size_t mask = capacity - 1;
    size_t slot = s_hash_bytes(text, strlen(text)) & mask;
    while (slots[slot] != 0)
        slot = (slot + 1) & mask;
    slots[slot] = symbol;
}

/* The symbol of text, interned when new. 0 for "" or NULL; MATCHMAKING_NONE when out of
 * memory. */
static matchmaking_symbol_t
s_intern(matchmaking_read_model_t *self, const char *text, bool lower)
{
    if (!text || !text[0])
        return 0;
    char buffer[S_TEXT_MAX + 1];
    s_normalise(text, lower, buffer);
    matchmaking_symbol_t found = s_symbol_lookup(self, buffer);
    if (found)
        return found;
    size_t length = strlen(buffer) + 1;
    if (s_grow((void **)&self->pool, &self->pool_capacity, 1, self->pool_size + length) != 0 ||
        s_grow((void **)&self->symbol_offsets, &self->symbol_capacity, sizeof *self->symbol_offsets,
               self->symbol_count + 1) != 0)
        return MATCHMAKING_NONE;
    if ((self->symbol_count + 1) * 10 > self->symbol_slot_capacity * 7) {
        size_t capacity = self->symbol_slot_capacity ? self->symbol_slot_capacity * 2 : 256;
        uint32_t *slots = calloc(capacity, sizeof *slots);
        if (!slots)
            return MATCHMAKING_NONE;
        for (uint32_t s = 1; s < self->symbol_count; s++)
            s_symbol_place(self, slots, capacity, s);
        free(self->symbol_slots);
        self->symbol_slots = slots;
        self->symbol_slot_capacity = capacity;
    }
    memcpy(self->pool + self->pool_size, buffer, length);
    matchmaking_symbol_t symbol = (matchmaking_symbol_t)self->symbol_count++;
    self->symbol_offsets[symbol] = (uint32_t)self->pool_size;
    self->pool_size += length;
    s_symbol_place(self, self->symbol_slots, self->symbol_slot_capacity, symbol);
    return symbol;
}

/* Interns up to max texts into out (0-terminated when fewer); -1 when out of memory. */
static int
s_intern_list(matchmaking_read_model_t *self, char **texts, size_t count, bool lower,
              matchmaking_symbol_t *out, size_t max)
{
    size_t n = 0;
    memset(out, 0, max * sizeof *out);
    for (size_t i = 0; i < count && n < max; i++) {
        matchmaking_symbol_t symbol = s_intern(self, texts[i], lower);
        if (symbol == MATCHMAKING_NONE)
            return -1;
        if (symbol != 0)
            out[n++] = symbol;
    }
    return 0;
}

/* ---- lifecycle ---- */

matchmaking_read_model_t *
matchmaking_read_model_new(const vb_taxonomy_t *taxonomy)
{
    size_t count = taxonomy ? vb_taxonomy_size(taxonomy) : 0;
    if (count > MATCHMAKING_COMPETENCES_MAX)
        return NULL;
    matchmaking_read_model_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->codes = calloc(count ? count : 1, sizeof *self->codes);
    if (!self->codes)
        goto failed;
    for (size_t i = 0; i < count; i++) {
        self->codes[i] = strdup(vb_taxonomy_at(taxonomy, i)->code);
        if (!self->codes[i])
            goto failed;
        self->code_count++;
    }
    /* symbol 0 is "" at pool offset 0 */
    if (s_grow((void **)&self->pool, &self->pool_capacity, 1, 4096) != 0 ||
        s_grow((void **)&self->symbol_offsets, &self->symbol_capacity, sizeof *self->symbol_offsets,
               256) != 0)
        goto failed;
    self->pool[0] = '\0';
    self->pool_size = 1;
    self->symbol_offsets[0] = 0;
    self->symbol_count = 1;
    return self;
failed:
    matchmaking_read_model_destroy(&self);
    return NULL;
}

void
matchmaking_read_model_destroy(matchmaking_read_model_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    matchmaking_read_model_t *self = *self_p;
    for (size_t i = 0; i < self->code_count; i++)
        free(self->codes[i]);
    free(self->codes);
    for (size_t i = 0; i < self->person_count; i++)
        free(self->persons[i].name);
    for (size_t i = 0; i < self->organization_count; i++)
        free(self->organizations[i].name);
    for (size_t i = 0; i < self->community_count; i++)
        free(self->communities[i].name);
    free(self->persons);
    free(self->profiles);
    free(self->organizations);
    free(self->communities);
    free(self->person_index.slots);
    free(self->organization_index.slots);
    free(self->community_index.slots);
    free(self->pool);
    free(self->symbol_offsets);
    free(self->symbol_slots);
    free(self);
    *self_p = NULL;
}

/* ---- records ---- */

/* Replaces *slot by a copy of text; -1 when out of memory. */
static int
s_set_name(matchmaking_read_model_t *self, char **slot, const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        return -1;
    if (*slot)
        self->name_bytes -= strlen(*slot) + 1;
    free(*slot);
    *slot = copy;
    self->name_bytes += strlen(copy) + 1;
    return 0;
}

/* The person with id, created empty (not alive) when new. MATCHMAKING_NONE on a bad id or out
 * of memory. */
static uint32_t
s_person_slot(matchmaking_read_model_t *self, const char *id)
{
    matchmaking_uuid_t key;
    if (!matchmaking_uuid_parse(id, &key))
        return MATCHMAKING_NONE;
    uint32_t found = s_index_find(self, &self->person_index, s_person_key, &key);
    if (found != MATCHMAKING_NONE)
        return found;
    if (s_grow((void **)&self->persons, &self->person_capacity, sizeof *self->persons,
               self->person_count + 1) != 0)
        return MATCHMAKING_NONE;
    uint32_t index = (uint32_t)self->person_count;
    matchmaking_person_t *person = &self->persons[index];
    memset(person, 0, sizeof *person);
    person->id = key;
    person->organization = MATCHMAKING_NONE;
    person->profile = MATCHMAKING_NONE;
    self->person_count++;
    if (s_index_add(self, &self->person_index, s_person_key, &key, index) != 0) {
        self->person_count--;
        return MATCHMAKING_NONE;
    }
    return index;
}

static void
s_levels(matchmaking_read_model_t *self, Verbund__Membership__V1__Skill **skills, size_t count,
         uint8_t levels[MATCHMAKING_COMPETENCES_MAX])
{
    memset(levels, 0, MATCHMAKING_COMPETENCES_MAX);
    for (size_t i = 0; i < count; i++) {
        int index = matchmaking_read_model_competence_index(self, skills[i]->code);
        if (index < 0 || skills[i]->level <= 0)
            continue; /* membership validates codes; an unknown one is a newer taxonomy */
        int level = skills[i]->level > 255 ? 255 : skills[i]->level;
        if (level > levels[index])
            levels[index] = (uint8_t)level;
    }
}

/* The organisation with id, created empty when new (persons name theirs before it arrives). */
static uint32_t
s_organization_slot(matchmaking_read_model_t *self, const char *id)
{
    matchmaking_uuid_t key;
    if (!matchmaking_uuid_parse(id, &key))
        return MATCHMAKING_NONE;
    uint32_t found = s_index_find(self, &self->organization_index, s_organization_key, &key);
    if (found != MATCHMAKING_NONE)
        return found;
    if (s_grow((void **)&self->organizations, &self->organization_capacity,
               sizeof *self->organizations, self->organization_count + 1) != 0)
        return MATCHMAKING_NONE;
    uint32_t index = (uint32_t)self->organization_count;
    matchmaking_organization_t *organization = &self->organizations[index];
    memset(organization, 0, sizeof *organization);
    organization->id = key;
    self->organization_count++;
    if (s_index_add(self, &self->organization_index, s_organization_key, &key, index) != 0) {
        self->organization_count--;
        return MATCHMAKING_NONE;
    }
    return index;
}

int
matchmaking_read_model_person_put(matchmaking_read_model_t *self,
                                  const Verbund__Membership__V1__Person *person)
{
    if (!person || !person->id)
        return -1;
    if (person->erased)
        return matchmaking_read_model_person_erase(self, person->id);
    uint32_t index = s_person_slot(self, person->id);
    if (index == MATCHMAKING_NONE)
        return -1;
    matchmaking_person_t *record = &self->persons[index];
    if (record->version > person->version)
        return 0;
    uint32_t organization = MATCHMAKING_NONE;
    if (person->organization_id && person->organization_id[0]) {
        organization = s_organization_slot(self, person->organization_id);
        if (organization == MATCHMAKING_NONE)
            return -1;
        record = &self->persons[index]; /* unchanged array; re-read for clarity */
    }
    matchmaking_symbol_t region = s_intern(self, person->region, true);
    matchmaking_symbol_t sector = s_intern(self, person->sector, false);
    if (region == MATCHMAKING_NONE || sector == MATCHMAKING_NONE ||
        s_intern_list(self, person->languages, person->n_languages, true, record->languages,
                      MATCHMAKING_LANGUAGES_MAX) != 0 ||
        s_intern_list(self, person->interests, person->n_interests, false, record->interests,
                      MATCHMAKING_INTERESTS_MAX) != 0 ||
        s_set_name(self, &record->name, person->name) != 0)
        return -1;
    record->organization = organization;
    record->region = region;
    record->sector = sector;
    s_levels(self, person->skills, person->n_skills, record->levels);
    record->version = person->version;
    record->alive = true;
    self->generation++;
    return 0;
}

int
matchmaking_read_model_person_erase(matchmaking_read_model_t *self, const char *id)
{
    uint32_t index = s_person_slot(self, id);
    if (index == MATCHMAKING_NONE)
        return -1;
    matchmaking_person_t *record = &self->persons[index];
    if (s_set_name(self, &record->name, "") != 0)
        return -1;
    record->organization = MATCHMAKING_NONE;
    record->region = 0;
    record->sector = 0;
    memset(record->languages, 0, sizeof record->languages);
    memset(record->interests, 0, sizeof record->interests);
    memset(record->levels, 0, sizeof record->levels);
    record->version = INT64_MAX; /* nothing older may bring the data back */
    record->alive = false;
    if (record->profile != MATCHMAKING_NONE) {
        matchmaking_profile_t *profile = &self->profiles[record->profile];
        uint32_t person = profile->person;
        memset(profile, 0, sizeof *profile);
        profile->person = person;
        profile->version = INT64_MAX;
        profile->alive = false;
    }
    self->generation++;
    return 0;
}

int
matchmaking_read_model_profile_put(matchmaking_read_model_t *self,
                                   const Verbund__Membership__V1__ExpertProfile *profile)
{
    if (!profile || !profile->person_id)
        return -1;
    uint32_t person = s_person_slot(self, profile->person_id);
    if (person == MATCHMAKING_NONE)
        return -1;
    if (self->persons[person].version == INT64_MAX)
        return 0; /* erased: a late profile event must not revive it */
    uint32_t index = self->persons[person].profile;
    if (index == MATCHMAKING_NONE) {
        if (s_grow((void **)&self->profiles, &self->profile_capacity, sizeof *self->profiles,
                   self->profile_count + 1) != 0)
            return -1;
        index = (uint32_t)self->profile_count++;
        memset(&self->profiles[index], 0, sizeof self->profiles[index]);
        self->profiles[index].person = person;
        self->persons[person].profile = index;
    }
    matchmaking_profile_t *record = &self->profiles[index];
    if (record->version > profile->version)
        return 0;
    if (s_intern_list(self, profile->languages, profile->n_languages, true, record->languages,
                      MATCHMAKING_LANGUAGES_MAX) != 0 ||
        s_intern_list(self, profile->regions, profile->n_regions, true, record->regions,
                      MATCHMAKING_REGIONS_MAX) != 0)
        return -1;
    s_levels(self, profile->competences, profile->n_competences, record->levels);
    record->competence_mask = 0;
    for (size_t i = 0; i < MATCHMAKING_COMPETENCES_MAX; i++)
        if (record->levels[i])
            record->competence_mask |= UINT64_C(1) << i;
    record->hourly_rate_cents =
        profile->hourly_rate ? profile->hourly_rate->cents : MATCHMAKING_NO_RATE;
    record->day_rate_cents = profile->day_rate ? profile->day_rate->cents : MATCHMAKING_NO_RATE;
    record->hours_per_month = profile->hours_per_month;
    record->remote = profile->remote;
    record->version = profile->version;
    record->alive = true;
    self->generation++;
    return 0;
}

int
matchmaking_read_model_organization_put(matchmaking_read_model_t *self,
                                        const Verbund__Membership__V1__Organization *org)
{
    if (!org || !org->id)
        return -1;
    uint32_t index = s_organization_slot(self, org->id);
    if (index == MATCHMAKING_NONE)
        return -1;
    matchmaking_organization_t *record = &self->organizations[index];
    if (record->version > org->version)
        return 0;
    matchmaking_symbol_t region = s_intern(self, org->region, true);
    matchmaking_symbol_t sector = s_intern(self, org->sector, false);
    if (region == MATCHMAKING_NONE || sector == MATCHMAKING_NONE ||
        s_set_name(self, &record->name, org->name) != 0)
        return -1;
    record->kind = (int)org->kind;
    record->region = region;
    record->sector = sector;
    record->version = org->version;
    return 0;
}

int
matchmaking_read_model_community_put(matchmaking_read_model_t *self, const char *id,
                                     const char *name, const char *kind)
{
    matchmaking_uuid_t key;
    if (!matchmaking_uuid_parse(id, &key))
        return -1;
    uint32_t index = s_index_find(self, &self->community_index, s_community_key, &key);
    if (index == MATCHMAKING_NONE) {
        if (s_grow((void **)&self->communities, &self->community_capacity,
                   sizeof *self->communities, self->community_count + 1) != 0)
            return -1;
        index = (uint32_t)self->community_count;
        memset(&self->communities[index], 0, sizeof self->communities[index]);
        self->communities[index].id = key;
        self->community_count++;
        if (s_index_add(self, &self->community_index, s_community_key, &key, index) != 0) {
            self->community_count--;
            return -1;
        }
    }
    matchmaking_symbol_t symbol = s_intern(self, kind, true);
    if (symbol == MATCHMAKING_NONE || s_set_name(self, &self->communities[index].name, name) != 0)
        return -1;
    self->communities[index].kind = symbol;
    return 0;
}

/* ---- reading ---- */

size_t
matchmaking_read_model_person_count(const matchmaking_read_model_t *self)
{
    return self->person_count;
}

size_t
matchmaking_read_model_profile_count(const matchmaking_read_model_t *self)
{
    return self->profile_count;
}

size_t
matchmaking_read_model_organization_count(const matchmaking_read_model_t *self)
{
    return self->organization_count;
}

size_t
matchmaking_read_model_community_count(const matchmaking_read_model_t *self)
{
    return self->community_count;
}

const matchmaking_person_t *
matchmaking_read_model_person_at(const matchmaking_read_model_t *self, uint32_t index)
{
    VB_ASSERT(index < self->person_count);
    return &self->persons[index];
}

const matchmaking_profile_t *
matchmaking_read_model_profile_at(const matchmaking_read_model_t *self, uint32_t index)
{
    VB_ASSERT(index < self->profile_count);
    return &self->profiles[index];
}

const matchmaking_organization_t *
matchmaking_read_model_organization_at(const matchmaking_read_model_t *self, uint32_t index)
{
    VB_ASSERT(index < self->organization_count);
    return &self->organizations[index];
}

uint32_t
matchmaking_read_model_person_find(const matchmaking_read_model_t *self, const char *id)
{
    matchmaking_uuid_t key;
    if (!matchmaking_uuid_parse(id, &key))
        return MATCHMAKING_NONE;
    return s_index_find(self, &self->person_index, s_person_key, &key);
}

uint32_t
matchmaking_read_model_organization_find(const matchmaking_read_model_t *self, const char *id)
{
    matchmaking_uuid_t key;
    if (!matchmaking_uuid_parse(id, &key))
        return MATCHMAKING_NONE;
    return s_index_find(self, &self->organization_index, s_organization_key, &key);
}

int
matchmaking_read_model_competence_index(const matchmaking_read_model_t *self, const char *code)
{
    if (!code)
        return -1;
    size_t low = 0, high = self->code_count;
    while (low < high) {
        size_t mid = (low + high) / 2;
        int cmp = strcmp(self->codes[mid], code);
        if (cmp == 0)
            return (int)mid;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return -1;
}

const char *
matchmaking_read_model_competence_code(const matchmaking_read_model_t *self, int index)
{
    VB_ASSERT(index >= 0 && (size_t)index < self->code_count);
    return self->codes[index];
}

size_t
matchmaking_read_model_competence_count(const matchmaking_read_model_t *self)
{
    return self->code_count;
}

const char *
matchmaking_read_model_symbol_text(const matchmaking_read_model_t *self,
                                   matchmaking_symbol_t symbol)
{
    VB_ASSERT(symbol < self->symbol_count);
    return s_symbol_text(self, symbol);
}

matchmaking_symbol_t
matchmaking_read_model_symbol_find(const matchmaking_read_model_t *self, const char *text,
                                   bool lower)
{
    if (!text || !text[0])
        return 0;
    char buffer[S_TEXT_MAX + 1];
    s_normalise(text, lower, buffer);
    return s_symbol_lookup(self, buffer);
}

uint64_t
matchmaking_read_model_generation(const matchmaking_read_model_t *self)
{
    return self->generation;
}

size_t
matchmaking_read_model_bytes(const matchmaking_read_model_t *self)
{
    return self->person_capacity * sizeof *self->persons +
           self->profile_capacity * sizeof *self->profiles +
           self->organization_capacity * sizeof *self->organizations +
           self->community_capacity * sizeof *self->communities +
           (self->person_index.capacity + self->organization_index.capacity +
            self->community_index.capacity) *
               sizeof(uint32_t) +
           self->pool_capacity + self->symbol_capacity * sizeof(uint32_t) +
           self->symbol_slot_capacity * sizeof(uint32_t) + self->name_bytes;
}

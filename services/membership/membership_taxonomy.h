/* membership_taxonomy.h - the competence taxonomy in memory: a set of competences kept sorted
 * by code, filled once at start from the competences table, then read by validation and
 * TaxonomyGet. Does not: read the database itself (the store's rows are added here) or change
 * after start. */
#ifndef MEMBERSHIP_TAXONOMY_H
#define MEMBERSHIP_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/assert.h"

typedef struct membership_taxonomy membership_taxonomy_t;

/* One competence; strings owned by the taxonomy. */
typedef struct {
    char *code; /* "fs.collaboration", "dc.2.4" */
    char *area; /* "future_skills", "digcomp" */
    char *label_de;
    char *label_en;
} membership_taxonomy_entry_t;

/* An empty taxonomy, or NULL when out of memory. */
membership_taxonomy_t *membership_taxonomy_new(void);

/* Frees the taxonomy and its strings; accepts NULL; nulls *self_p. */
void membership_taxonomy_destroy(membership_taxonomy_t **self_p);

/* Adds a competence (strings copied), keeping the set sorted by code.
 * 0, or -1 for a duplicate or empty code, or out of memory. */
int membership_taxonomy_add(membership_taxonomy_t *self, const char *code, const char *area,
                            const char *label_de, const char *label_en) VB_MUSTCHECK;

/* True when code is in the set (binary search). NULL code -> false. */
bool membership_taxonomy_contains(const membership_taxonomy_t *self, const char *code);

/* Number of competences, and the one at index (0 <= index < size) in code order; borrowed. */
size_t membership_taxonomy_size(const membership_taxonomy_t *self);
const membership_taxonomy_entry_t *membership_taxonomy_at(const membership_taxonomy_t *self,
                                                          size_t index);

#endif

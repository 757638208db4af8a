/* vb/taxonomy.h - the competence taxonomy in memory: a set of competences kept sorted by code.
 * The membership service owns it (its competences table, served by membership.TaxonomyGet);
 * every other service fetches a copy at start with vb_taxonomy_fetch to validate codes.
 * Does not: read the database itself (the owner's store adds rows here) or change after
 * start. */
#ifndef VB_TAXONOMY_H
#define VB_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/assert.h"
#include "vb/status.h"

typedef struct vb_taxonomy vb_taxonomy_t;

/* One competence; strings owned by the taxonomy. */
typedef struct {
    char *code; /* "fs.collaboration", "dc.2.4" */
    char *area; /* "future_skills", "digcomp" */
    char *label_de;
    char *label_en;
} vb_taxonomy_entry_t;

/* An empty taxonomy, or NULL when out of memory. */
vb_taxonomy_t *vb_taxonomy_new(void);

/* Frees the taxonomy and its strings; accepts NULL; nulls *self_p. */
void vb_taxonomy_destroy(vb_taxonomy_t **self_p);

/* Adds a competence (strings copied), keeping the set sorted by code.
 * 0, or -1 for a duplicate or empty code, or out of memory. */
int vb_taxonomy_add(vb_taxonomy_t *self, const char *code, const char *area,
                            const char *label_de, const char *label_en) VB_MUSTCHECK;

/* True when code is in the set (binary search). NULL code -> false. */
bool vb_taxonomy_contains(const vb_taxonomy_t *self, const char *code);

/* Number of competences, and the one at index (0 <= index < size) in code order; borrowed. */
size_t vb_taxonomy_size(const vb_taxonomy_t *self);
const vb_taxonomy_entry_t *vb_taxonomy_at(const vb_taxonomy_t *self,
                                                          size_t index);

/* Fetches the taxonomy from the membership service at endpoint (membership.TaxonomyGet, as a
 * caller of role SERVICE), retrying until deadline_ms has passed since the call, because
 * membership may still be starting. VB_STATUS_OK and a new *taxonomy_p (caller destroys), or
 * the last failure (logged) and *taxonomy_p NULL. */
vb_status_t vb_taxonomy_fetch(const char *endpoint, int deadline_ms,
                              vb_taxonomy_t **taxonomy_p) VB_MUSTCHECK;

#endif

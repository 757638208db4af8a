/* membership_taxonomy.c - a sorted array of competences with binary search.
 * Does not: load itself or allow removal. */
#include "membership_taxonomy.h"

#include <stdlib.h>
#include <string.h>

struct membership_taxonomy {
    membership_taxonomy_entry_t *items; /* sorted by code (strcmp) */
    size_t count;                       /* entries in use */
    size_t capacity;                    /* entries allocated */
};

membership_taxonomy_t *
membership_taxonomy_new(void)
{
    return calloc(1, sizeof(membership_taxonomy_t));
}

void
membership_taxonomy_destroy(membership_taxonomy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    membership_taxonomy_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free(self->items[i].code);
        free(self->items[i].area);
        free(self->items[i].label_de);
        free(self->items[i].label_en);
    }
    free(self->items);
    free(self);
    *self_p = NULL;
}

/* Index of the first entry whose code is >= code. */
static size_t
s_lower_bound(const membership_taxonomy_t *self, const char *code)
{
    size_t low = 0, high = self->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (strcmp(self->items[mid].code, code) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

int
membership_taxonomy_add(membership_taxonomy_t *self, const char *code, const char *area,
                        const char *label_de, const char *label_en)
{
    VB_ASSERT(self);
    if (!code || !code[0])
        return -1;
    size_t at = s_lower_bound(self, code);
    if (at < self->count && strcmp(self->items[at].code, code) == 0)
        return -1;
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 64;
        membership_taxonomy_entry_t *items = realloc(self->items, capacity * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->capacity = capacity;
    }
    membership_taxonomy_entry_t entry = {
        .code = strdup(code),
        .area = strdup(area ? area : ""),
        .label_de = strdup(label_de ? label_de : ""),
        .label_en = strdup(label_en ? label_en : ""),
    };
    if (!entry.code || !entry.area || !entry.label_de || !entry.label_en) {
        free(entry.code);
        free(entry.area);
        free(entry.label_de);
        free(entry.label_en);
        return -1;
    }
    memmove(&self->items[at + 1], &self->items[at], (self->count - at) * sizeof *self->items);
    self->items[at] = entry;
    self->count++;
    return 0;
}

bool
membership_taxonomy_contains(const membership_taxonomy_t *self, const char *code)
{
    VB_ASSERT(self);
    if (!code)
        return false;
    size_t at = s_lower_bound(self, code);
    return at < self->count && strcmp(self->items[at].code, code) == 0;
}

size_t
membership_taxonomy_size(const membership_taxonomy_t *self)
{
    VB_ASSERT(self);
    return self->count;
}

const membership_taxonomy_entry_t *
membership_taxonomy_at(const membership_taxonomy_t *self, size_t index)
{
    VB_ASSERT(self && index < self->count);
    return &self->items[index];
}

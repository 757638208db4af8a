/* events_feed.h - the personal calendar feed's tokens (32 random bytes as 64 hex characters,
 * stored only as their BLAKE2b hash, like API tokens) and the step from stored feed rows to the
 * items events_ical_render writes: stable UIDs "<occurrence or event id>@<node id>", the
 * SEQUENCE, the location text, and no online URL unless the feed may show it.
 * Does not: render iCalendar (events_ical.c) or read the database. */
#ifndef EVENTS_FEED_H
#define EVENTS_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/arena.h"
#include "vb/assert.h"
#include "events_ical.h"
#include "events_store.h"

#define EVENTS_FEED_TOKEN_SIZE 65 /* 64 hex characters and NUL */
#define EVENTS_FEED_HASH_SIZE 65
#define EVENTS_FEED_MAX_ITEMS 2000 /* VEVENTs in one feed */

/* Initialises libsodium; call once at start. 0 or -1. */
int events_feed_init(void) VB_MUSTCHECK;

/* Writes a new random token (lower-case hex). */
void events_feed_token_generate(char out[EVENTS_FEED_TOKEN_SIZE]);

/* The stored form of a presented token; -1 unless it is exactly 64 hex characters. */
int events_feed_token_hash(const char *token, char out[EVENTS_FEED_HASH_SIZE]) VB_MUSTCHECK;

/* Items for events_ical_render (arena), one per row. show_online_url false blanks every URL
 * (public feeds); true keeps what the row holds (the store already limited it). */
events_ical_event_t *events_feed_items(vb_arena_t *arena, const events_feed_item_t *rows,
                                       size_t count, const char *node_id, bool show_online_url);

#endif

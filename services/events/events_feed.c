/* events_feed.c - calendar tokens with libsodium and feed rows -> iCalendar items (see
 * events_feed.h). Does not: compare secrets (the lookup is by hash) or render text. */
#include "events_feed.h"

#include <string.h>

#include <sodium.h>

int
events_feed_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void
events_feed_token_generate(char out[EVENTS_FEED_TOKEN_SIZE])
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(out, EVENTS_FEED_TOKEN_SIZE, bytes, sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
}

int
events_feed_token_hash(const char *token, char out[EVENTS_FEED_HASH_SIZE])
{
    if (!token || strnlen(token, 65) != 64)
        return -1;
    for (int i = 0; i < 64; i++) {
        char c = token[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)token, 64, NULL, 0);
    sodium_bin2hex(out, EVENTS_FEED_HASH_SIZE, digest, sizeof digest);
    return 0;
}

events_ical_event_t *
events_feed_items(vb_arena_t *arena, const events_feed_item_t *rows, size_t count,
                  const char *node_id, bool show_online_url)
{
    events_ical_event_t *items = vb_arena_alloc(arena, (count ? count : 1) * sizeof *items);
    for (size_t i = 0; i < count; i++) {
        const events_feed_item_t *row = &rows[i];
        events_ical_event_t *item = &items[i];
        item->uid = vb_arena_printf(arena, "%s@%s", row->uid_id, node_id);
        item->sequence = row->sequence;
        item->summary = row->title;
        item->description = row->description;
        if (row->venue_name[0] && row->venue_address[0])
            item->location = vb_arena_printf(arena, "%s, %s", row->venue_name, row->venue_address);
        else if (row->venue_name[0] || row->venue_address[0])
            item->location = row->venue_name[0] ? row->venue_name : row->venue_address;
        else
            item->location = NULL;
        item->url = show_online_url && row->online_url[0] ? row->online_url : NULL;
        item->tzid = row->time_zone;
        item->start_utc = row->start_at;
        item->end_utc = row->end_at;
        item->cancelled = row->cancelled;
        item->categories = row->kind[0] ? row->kind : NULL;
        item->updated_utc = row->updated_at;
    }
    return items;
}

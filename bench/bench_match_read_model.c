/* bench_match_read_model.c - resident memory of the matchmaking read model: loads 100,000
 * synthetic persons (skills, interests, languages, region, sector, organisation) and an expert
 * profile for each into the model in this process, and reads the growth of VmRSS from
 * /proc/self/status. Two ratio lines (bench_report.h, higher is better): persons per MiB
 * against the budget (100,000 persons in 200 MiB; ratio >= 1 means within budget), and
 * against the raw size of the same data as JSON (what a naive copy of the membership replies
 * would hold; report only). Also prints the raw figures and the time per put.
 * Does not: start a node (no sockets; the model is fed the protobuf messages the stream would
 * carry).
 * The model's sources are compiled into this program (included below): bench/CMakeLists.txt
 * links vb_matchmaking_logic only into the algorithm benches, and including the two .c files
 * keeps this bench building whether or not that list names it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench_report.h"
#include "../services/matchmaking/matchmaking_read_model.c"

#define S_PERSONS 100000
#define S_ORGANIZATIONS 2000
#define S_BUDGET_MIB 200.0

static const char *const s_regions[] = {"DE-NW", "DE-BY", "DE-BE", "DE-HH", "DE-SN", "DE-HE",
                                        "DE-BW", "DE-NI", "AT-9",  "CH-ZH", "EU"};
static const char *const s_sectors[] = {"Bildung",    "Industrie", "Handwerk",   "Soziales",
                                        "Verwaltung", "IT",        "Gesundheit", "Kultur"};
static const char *const s_languages[] = {"de", "en", "fr", "tr", "pl", "es", "it", "nl"};

static long
s_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static uint64_t s_state = 88172645463325252ull;

static uint32_t
s_random(uint32_t below)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return (uint32_t)(s_state % below);
}

static void
s_uuid(char out[37], uint32_t kind, uint32_t n)
{
    snprintf(out, 37, "01a2%04x-0000-7000-8000-%012x", kind, n);
}

/* Adds the JSON size of a message (what a copy of the RPC replies as JSON would take). */
static size_t
s_json_size(const char *id, const char *name, const char *org, const char *region,
            const char *sector, char **languages, size_t n_languages, char **interests,
            size_t n_interests, Verbund__Membership__V1__Skill **skills, size_t n_skills)
{
    json_t *object = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "name", name,
                               "organization_id", org, "region", region, "sector", sector);
    json_t *l = json_array(), *i = json_array(), *s = json_array();
    for (size_t k = 0; k < n_languages; k++)
        json_array_append_new(l, json_string(languages[k]));
    for (size_t k = 0; k < n_interests; k++)
        json_array_append_new(i, json_string(interests[k]));
    for (size_t k = 0; k < n_skills; k++)
        json_array_append_new(
            s, json_pack("{s:s, s:i}", "code", skills[k]->code, "level", skills[k]->level));
    json_object_set_new(object, "languages", l);
    json_object_set_new(object, "interests", i);
    json_object_set_new(object, "skills", s);
    char *text = json_dumps(object, JSON_COMPACT);
    size_t size = strlen(text);
    free(text);
    json_decref(object);
    return size;
}

int
main(void)
{
    vb_taxonomy_t *taxonomy = vb_taxonomy_new();
    char codes[40][16];
    for (int c = 0; c < 40; c++) {
        snprintf(codes[c], sizeof codes[c], c < 19 ? "fs.skill_%02d" : "dc.%d.%d",
                 c < 19 ? c : c / 10, c % 10);
        if (vb_taxonomy_add(taxonomy, codes[c], "x", "x", "x") != 0)
            return 1;
    }
    char interests_pool[500][24];
    for (int i = 0; i < 500; i++)
        snprintf(interests_pool[i], sizeof interests_pool[i], "Interesse %d", i);

    long before = s_rss_kib();
    double started = bench_now_seconds();
    matchmaking_read_model_t *model = matchmaking_read_model_new(taxonomy);
    if (!model || before < 0) {
        fprintf(stderr, "bench_match_read_model: cannot create the model or read VmRSS\n");
        return 1;
    }
    size_t json_bytes = 0;
    for (uint32_t o = 0; o < S_ORGANIZATIONS; o++) {
        char id[37], name[48];
        s_uuid(id, 1, o);
        snprintf(name, sizeof name, "Organisation %u", o);
        Verbund__Membership__V1__Organization org = VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
        org.id = id;
        org.name = name;
        org.kind = 1 + s_random(6);
        org.region = (char *)s_regions[s_random(11)];
        org.sector = (char *)s_sectors[s_random(8)];
        org.version = 1;
        if (matchmaking_read_model_organization_put(model, &org) != 0)
            return 1;
        json_bytes += strlen(id) + strlen(name) + 80;
    }
    for (uint32_t p = 0; p < S_PERSONS; p++) {
        char id[37], org[37], name[48];
        s_uuid(id, 2, p);
        s_uuid(org, 1, s_random(S_ORGANIZATIONS));
        snprintf(name, sizeof name, "Person %u Nachname", p);
        Verbund__Membership__V1__Skill skill_items[6];
        Verbund__Membership__V1__Skill *skills[6];
        size_t n_skills = 2 + s_random(5);
        for (size_t k = 0; k < n_skills; k++) {
            Verbund__Membership__V1__Skill init = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
            skill_items[k] = init;
            skill_items[k].code = codes[s_random(40)];
            skill_items[k].level = 1 + (int)s_random(5);
            skills[k] = &skill_items[k];
        }
        char *languages[2] = {(char *)"de", (char *)s_languages[s_random(8)]};
        char *interests[5];
        size_t n_interests = 1 + s_random(5);
        for (size_t k = 0; k < n_interests; k++)
            interests[k] = interests_pool[s_random(500)];
        Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
        person.id = id;
        person.name = name;
        person.organization_id = org;
        person.region = (char *)s_regions[s_random(11)];
        person.sector = (char *)s_sectors[s_random(8)];
        person.languages = languages;
        person.n_languages = 2;
        person.interests = interests;
        person.n_interests = n_interests;
        person.skills = skills;
        person.n_skills = n_skills;
        person.version = 1;
        if (matchmaking_read_model_person_put(model, &person) != 0)
            return 1;
        json_bytes += s_json_size(id, name, org, person.region, person.sector, languages, 2,
                                  interests, n_interests, skills, n_skills);
        /* and an expert profile for every person: the worst case for memory */
        char *regions[2] = {(char *)s_regions[s_random(11)], (char *)s_regions[s_random(11)]};
        Verbund__Common__V1__Money rate = VERBUND__COMMON__V1__MONEY__INIT;
        rate.cents = 5000 + s_random(15000);
        rate.currency = (char *)"EUR";
        Verbund__Membership__V1__ExpertProfile profile =
            VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
        profile.person_id = id;
        profile.competences = skills;
        profile.n_competences = n_skills;
        profile.hourly_rate = &rate;
        profile.languages = languages;
        profile.n_languages = 2;
        profile.regions = regions;
        profile.n_regions = 2;
        profile.remote = s_random(2);
        profile.hours_per_month = (int32_t)s_random(80);
        profile.version = 1;
        if (matchmaking_read_model_profile_put(model, &profile) != 0)
            return 1;
        json_bytes += 120 + n_skills * 28 + 40; /* the profile's JSON: rates, lists, flags */
    }
    double elapsed = bench_now_seconds() - started;
    long after = s_rss_kib();
    double resident_mib = (double)(after - before) / 1024.0;
    double model_mib = (double)matchmaking_read_model_bytes(model) / (1024.0 * 1024.0);
    double json_mib = (double)json_bytes / (1024.0 * 1024.0);
    printf("bench match_read_model: %d persons + %zu profiles + %d organisations: VmRSS +%.1f MiB"
           " (model's own count %.1f MiB; the same data as JSON %.1f MiB), %.2f us per put\n",
           S_PERSONS, matchmaking_read_model_profile_count(model), S_ORGANIZATIONS, resident_mib,
           model_mib, json_mib, elapsed * 1e6 / (2.0 * S_PERSONS));
    if (resident_mib < 0.01)
        resident_mib = 0.01;
    /* persons per MiB: higher is better; the budget is 100,000 persons in 200 MiB */
    bench_report("match_read_model_memory", "persons/MiB", S_PERSONS / resident_mib,
                 "budget: 100,000 persons in 200 MiB", S_PERSONS / S_BUDGET_MIB, 1.0);
    bench_report("match_read_model_vs_json", "persons/MiB", S_PERSONS / resident_mib,
                 "raw JSON of the same persons and profiles", S_PERSONS / json_mib, 0);
    matchmaking_read_model_destroy(&model);
    vb_taxonomy_destroy(&taxonomy);
    return 0;
}

"""data/demo/load_20_communities.py - the communities of the seeds, loaded by scripts/demo-load
after organisations, persons and memberships: the institute's WeQ-Communities and Think & Do
Teams and the peer-to-peer academy's peer circle (communities.json), the seven NRW training
networks (networks.json) and the B-WISE consortium with its 30 partners and an advisory board.
Each is proposed for its proposer and approved by the admin token (the proposer becomes host);
members are added by the admin, and documented results (peer-call recordings, slides) are
published. Idempotency keys f"{key_prefix}/community.../<ref>" make a second run create nothing
twice; after the keys expired (24 h) existing communities are found by name, members by the
409 of a second join and results by title.
Does not: create persons or organisations (scripts/demo-load did), or events (load_*_events)."""

import json
import os


def _status(error):
    return getattr(error, "status", None)


def _items(client, path, query=None):
    """Every item of a paged list."""
    query = dict(query or {})
    query["limit"] = 200
    while True:
        page = client.call("GET", path, query=query)
        for item in page.get("items", []):
            yield item
        if not page.get("next_cursor"):
            return
        query["cursor"] = page["next_cursor"]


def _communities(data_dir):
    """(ref, community body, proposer ref, [(person ref, role)], [results]) in load order."""
    with open(os.path.join(data_dir, "communities.json"), encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(data_dir, "networks.json"), encoding="utf-8") as f:
        networks = {n["ref"]: n for n in json.load(f)["items"]}
    out = []
    for item in spec["items"]:
        members = [(m["ref"], m.get("role", "member")) for m in item.get("members", [])]
        out.append((item["ref"], item["community"], item["proposer_ref"], members,
                    item.get("results", [])))
    tn = spec["training_networks"]
    for ref, net in networks.items():
        if net["kind"] != "training_network":
            continue
        short = ref[len("net."):]
        body = {"name": net["name"],
                "purpose": f"{net['focus']}. Region: {net['area']}.",
                "kind": "training_network", "topics": tn["topics"], "tags": tn["tags"],
                "region": net["region"], "visibility": "node", "join_policy": "approval"}
        members = [(m, "advisor") for m in tn["members"]]
        out.append((f"community.{short}", body, f"person.contact.{short}", members, []))
    cons = spec["consortium"]
    net = networks[cons["network_ref"]]
    partners = [f"person.contact.bwise{i:02d}" for i in range(1, len(net["member_refs"]) + 1)]
    body = {"name": cons["name"], "purpose": cons["purpose"], "kind": "consortium",
            "topics": cons["topics"], "tags": cons["tags"], "region": cons["region"],
            "visibility": cons["visibility"], "join_policy": "approval"}
    members = [(p, "member") for p in partners[1:]] + [(a, "advisor")
                                                        for a in cons["advisory_board"]]
    out.append((cons["ref"], body, partners[0], members, cons.get("results", [])))
    return out


def load(client, ids, counts, key_prefix, data_dir, progress):
    for name in ("communities", "community members", "community results"):
        counts.setdefault(name, 0)
    existing = {c["name"]: c for c in _items(client, "/v1/communities")}
    for ref, body, proposer_ref, members, results in _communities(data_dir):
        proposal = dict(body, proposed_by=ids[proposer_ref])
        community = existing.get(body["name"])
        if community is None:
            community = client.call("POST", "/v1/communities", proposal,
                                    key=f"{key_prefix}/community/{ref}")
        cid = community["id"]
        ids[ref] = cid
        if community["status"] == "proposed":
            client.call("POST", f"/v1/communities/{cid}/approve", {},
                        key=f"{key_prefix}/community-approve/{ref}")
        counts["communities"] += 1
        for person_ref, role in members:
            try:
                client.call("POST", f"/v1/communities/{cid}/members",
                            {"person_id": ids[person_ref], "role": role},
                            key=f"{key_prefix}/community-member/{ref}/{person_ref}")
                counts["community members"] += 1
            except Exception as e:  # scripts/demo-load's ApiError
                if _status(e) != 409:  # already a member (the key expired)
                    raise
        published = {r["title"] for r in _items(client, f"/v1/communities/{cid}/results")}
        for n, result in enumerate(results, 1):
            if result["title"] in published:
                continue
            item = {k: v for k, v in result.items() if k != "author_refs"}
            item["author_ids"] = [ids[a] for a in result.get("author_refs", [])]
            client.call("POST", f"/v1/communities/{cid}/results", item,
                        key=f"{key_prefix}/community-result/{ref}/{n}")
            counts["community results"] += 1
    progress(f"{counts['communities']} communities, {counts['community members']} members, "
             f"{counts['community results']} results")

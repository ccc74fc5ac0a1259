// Every atom of dagshard's protocols, in one place so that no two can
// collide: CAF 0.17 atoms are at most 10 characters of [0-9A-Za-z_] (any
// other character reads as a space), and the names differ from CAF's own
// (`caf::tick_atom` and friends).
#pragma once

#include <caf/atom.hpp>

namespace ds {

// -- metadata: settings, placement, Raft (messages/meta.hpp) ----------------
using meta_atom = caf::atom_constant<caf::atom("meta")>;
using cfg_get_atom = caf::atom_constant<caf::atom("cfgget")>;
using cfg_list_atom = caf::atom_constant<caf::atom("cfglist")>;
using meta_flush_atom = caf::atom_constant<caf::atom("metaflush")>;
using raft_atom = caf::atom_constant<caf::atom("raft")>;
using raft_tick_atom = caf::atom_constant<caf::atom("rafttick")>;
using raft_peer_atom = caf::atom_constant<caf::atom("raftpeer")>;
using raft_status_atom = caf::atom_constant<caf::atom("raftstat")>;
using place_get_atom = caf::atom_constant<caf::atom("placeget")>;
using place_sub_atom = caf::atom_constant<caf::atom("placesub")>;
using place_push_atom = caf::atom_constant<caf::atom("placepush")>;
using migrations_atom = caf::atom_constant<caf::atom("migrlist")>;
using meta_batch_atom = caf::atom_constant<caf::atom("metabatch")>;
using cfg_get_many_atom = caf::atom_constant<caf::atom("cfggetn")>;

// -- namespace: shards, routers, gateway, peers (messages/ns.hpp) -----------
using ns_atom = caf::atom_constant<caf::atom("ns")>;
using path_atom = caf::atom_constant<caf::atom("nspath")>;
using shards_atom = caf::atom_constant<caf::atom("nsshards")>;
using capacity_atom = caf::atom_constant<caf::atom("nscapacity")>;
using park_atom = caf::atom_constant<caf::atom("nspark")>;
using commit_atom = caf::atom_constant<caf::atom("nscommit")>;
using node_atom = caf::atom_constant<caf::atom("nsnode")>;
using hello_atom = caf::atom_constant<caf::atom("nshello")>;
using nodes_atom = caf::atom_constant<caf::atom("nsnodes")>;
using peer_atom = caf::atom_constant<caf::atom("nspeer")>;
using retry_atom = caf::atom_constant<caf::atom("nsretry")>;
using locate_atom = caf::atom_constant<caf::atom("nslocate")>;
using part_atom = caf::atom_constant<caf::atom("nspart")>;
using move_atom = caf::atom_constant<caf::atom("nsmove")>;
using router_stats_atom = caf::atom_constant<caf::atom("nsrstats")>;
using resolve_atom = caf::atom_constant<caf::atom("nsresolve")>;
using health_atom = caf::atom_constant<caf::atom("nshealth")>;

// -- the PSM: slot reports and forecasts (messages/psm.hpp) -----------------
using psm_report_atom = caf::atom_constant<caf::atom("psmreport")>;
using psm_series_atom = caf::atom_constant<caf::atom("psmseries")>;
using psm_tick_atom = caf::atom_constant<caf::atom("psmtick")>;
using psm_forecasts_atom = caf::atom_constant<caf::atom("psmfcasts")>;
using psm_view_atom = caf::atom_constant<caf::atom("psmview")>;
using psm_fcaster_atom = caf::atom_constant<caf::atom("psmfcaster")>;
using psm_plannings_atom = caf::atom_constant<caf::atom("psmplans")>;
using psm_plan_atom = caf::atom_constant<caf::atom("psmplan")>;
using psm_status_atom = caf::atom_constant<caf::atom("psmstatus")>;
using psm_import_atom = caf::atom_constant<caf::atom("psmimport")>;

// -- shard groups: many Raft groups per node (messages/replica.hpp) ---------
using group_env_atom = caf::atom_constant<caf::atom("grpenv")>;
using group_peer_atom = caf::atom_constant<caf::atom("grppeer")>;
using group_propose_atom = caf::atom_constant<caf::atom("grpprop")>;
using group_read_atom = caf::atom_constant<caf::atom("grpread")>;
using group_apply_atom = caf::atom_constant<caf::atom("grpapply")>;
using group_sink_atom = caf::atom_constant<caf::atom("grpsink")>;
using group_tick_atom = caf::atom_constant<caf::atom("grptick")>;
using group_flush_atom = caf::atom_constant<caf::atom("grpflush")>;
using group_status_atom = caf::atom_constant<caf::atom("grpstat")>;
using group_load_atom = caf::atom_constant<caf::atom("grpload")>;
using group_local_atom = caf::atom_constant<caf::atom("grplocal")>;
using group_applied_atom = caf::atom_constant<caf::atom("grpdone")>;
using group_snapshot_atom = caf::atom_constant<caf::atom("grpsnap")>;
using group_install_atom = caf::atom_constant<caf::atom("grpinst")>;
using group_chunk_atom = caf::atom_constant<caf::atom("grpchunk")>;
using group_chunk_ack_atom = caf::atom_constant<caf::atom("grpchack")>;
using group_watch_atom = caf::atom_constant<caf::atom("grpwatch")>;
using group_leader_atom = caf::atom_constant<caf::atom("grplead")>;
using group_busy_atom = caf::atom_constant<caf::atom("grpbusy")>;

// -- internal clocks (actors/ticker.hpp) -------------------------------------
using ticker_fire_atom = caf::atom_constant<caf::atom("tickfire")>;

} // namespace ds

'use strict';
// Every registry and series leakguard keeps is capped, so leakguard's own memory is
// bounded whatever the app does. report().leakguard.caps lists each cap: `limit` (the
// documented default), `size` (what it holds now, null where not kept) and `dropped`
// (what was refused or evicted because the cap was reached, since the module loaded
// or, for the detector and the chart history, since start()).
const emitters = require('./emitters');
const streams = require('./streams');
const { overflowCount, MAX_SITES_DEFAULT } = require('./site-table');

// src/core/detector.rs Config::default(); the monitor does not override them.
const DETECTOR_MAX_SERIES = 4096;
const DETECTOR_MAX_SITES = 64;
const MAX_DIAGNOSES = 16;

/** The caps of a running monitor (see docs/reliability.md, "Caps"). */
function capsReport(monitor) {
  const d = monitor.detector.stats();
  const h = monitor.history.stats();
  const e = emitters.stats();
  const s = streams.stats();
  return {
    series: { limit: DETECTOR_MAX_SERIES, size: d.series, dropped: d.droppedSeries },
    sitesPerSeries: { limit: DETECTOR_MAX_SITES, size: null, dropped: d.droppedSites },
    emitters: { limit: emitters.MAX_EMITTERS, size: e.trackedEmitters, dropped: e.droppedEmitters },
    streamKinds: { limit: streams.MAX_KINDS, size: s.streamKinds, dropped: s.droppedStreams },
    // Creation sites per tracker (timers 2000; each stream kind, workers, Buffers 500):
    // past the limit, new sites are counted under one '(other sites: site table full)' record.
    siteTables: { limit: MAX_SITES_DEFAULT, size: null, dropped: overflowCount() },
    // Once full, only memory series and open findings get a track: series without one
    // now (untrackedSeries) plus tracks evicted so far.
    historySeries: { limit: h.maxTracks, size: h.tracks, dropped: h.evictedTracks + (h.untrackedSeries || 0) },
    diagnoses: { limit: MAX_DIAGNOSES, size: monitor.diagnoses.size, dropped: monitor.diagnosesEvicted || 0 },
  };
}

module.exports = { capsReport, DETECTOR_MAX_SERIES, DETECTOR_MAX_SITES, MAX_DIAGNOSES };

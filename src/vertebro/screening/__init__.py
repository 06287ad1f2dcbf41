"""Screening adapter: whole archives of label maps measured as Dask tasks (docs/screening.md).

- ``sources``: what to screen — a folder tree of NIfTI label maps and TotalSegmentator
  output folders, or a manifest CSV of ``study_id,labels[,subregions]``;
- ``limits``: the per-task size check read from the NIfTI header (before decompression);
- ``records``: one study's outcome, its rows (study × level) and what a finding is;
- ``store``: ``DIR/parts/``, one small file per finished study, so that a run resumes;
- ``writers``: the final files (``measurements.parquet``, ``findings.csv``,
  ``findings.html``, ``errors.csv``), written atomically;
- ``cluster`` and ``job``: a ``dask.distributed`` client (a ``LocalCluster`` sized to the
  machine, or a scheduler's address) and the windowed stream of one task per study.

The use case that ties them together is :mod:`vertebro.services.screening`; the task it
runs on each worker is given to ``job`` as a function (adapters never call services).
Dask and pyarrow come with the ``screening`` extra and are imported only where used.
"""

"""Board figures computed from the child-level statutory returns councils already keep.

* ``ssda903``: looked-after children and care leavers (the DfE SSDA903 return);
* ``annex_a``: front door and child protection (Ofsted Annex A lists);
  each of the two is a package of files (reading), checks, stitching and measures (the official definitions);
* ``working_days``: English working days for statutory timescales;
* ``synthetic``: labelled synthetic files for tests and demonstrations;
* ``access``: who may see the child-level rows behind a figure;
* ``ingest``: what an ingest produces (figures, notes, pseudonymised rows); the use case that writes them in one
  transaction is dashboard.services.imports.

Each measure is one function over the return's rows; each module states the rule version and the guidance it
follows.
"""

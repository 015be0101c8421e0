"""Board figures computed from the child-level statutory returns councils already keep.

* ``ssda903``: looked-after children and care leavers (the DfE SSDA903 return);
* ``annex_a``: front door and child protection (Ofsted Annex A lists);
* ``working_days``: English working days for statutory timescales;
* ``synthetic``: labelled synthetic files for tests and demonstrations;
* ``access``: who may see the child-level rows behind a figure;
* ``ingest``: read, compute, import (all or nothing) and keep the pseudonymised rows.

Each measure is one function over the return's rows; each module states the rule version and the guidance it
follows.
"""

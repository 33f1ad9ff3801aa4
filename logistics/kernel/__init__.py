"""The shared kernel: small helpers every room uses, written once.

`files` (atomic writes), `arrays` (read-only numpy), `calendar` (ISO-week index), `clock`
(China's time zone), `stats` (confidence intervals), `status` (how a solve ended).
"""

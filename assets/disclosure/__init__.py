"""Disclosure control (SPEC §5), one module per concern:

- `tables`: the table model, which published figure reveals which counts and how they add up;
- `attacker`: what published figures leave open of every hidden count (`count_ranges`);
- `suppression`: which counts to hide, primary and complementary, chosen by cost;
- `audit`: the independent check of what was published, stating the links on its own;
- `survival`: the Kaplan–Meier curves, coarsened so that no small count can be formed.

The audit imports only the attacker from the rest: a link the suppression's table model misses
is not missed by the audit too.
"""

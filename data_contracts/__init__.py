"""Data contracts: YAML per entity, the SIP-kollen survey definition, and the checks generated from them."""

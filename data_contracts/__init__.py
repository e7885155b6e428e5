"""Data contracts per entity, the SIP-kollen survey definition, and the checks built from them."""

"""Warranty rules (seeds 001 and 002, Polish Civil Code): pure functions and data, no I/O.

- products: the vocabulary (ProductCategory, BuyerType, ClaimType, brands).
- periods: months (art. 112), days (art. 111 §2), working days without Polish holidays.
- rules: the warranty rules table (RULES), ordered by precedence.
- engine: assess() a ProductPurchase against the table, giving a WarrantyVerdict.
- deadlines: the deadlines of a claim.
- ean: GTIN-13 validation.
"""

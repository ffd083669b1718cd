"""Claims domain (seeds 000, 001, 002): pure rules and the Claim aggregate, no I/O.

- claim: the `Claim` aggregate; each command is a method that checks its rules and returns the
  events to publish.
- lifecycle: the transition table (from, to, who, command, event, email) the aggregate obeys.
- eligibility: which claim types a buyer may file for a product (the one owner of that rule).
- form: what the claim form needs (serial number, problem, attachments, RMA number).
- decisions: rejection reasons, deductions, quotes, refunds and replacements.
- deadlines: pauses while waiting for the customer and how each deadline stands.
"""

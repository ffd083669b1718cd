"""Claims domain (seeds 000, 001, 002): pure rules and the Claim aggregate, no I/O.

- claim: the `Claim` aggregate; each command is a method that checks its rules and returns the
  events to publish. Its commands live by responsibility in claim_state (what every command
  shares), filing (the form, its facts and every rule of filing), claim_intake, claim_decisions,
  claim_settlement, claim_charges, claim_evidence and claim_deadlines; parts holds the values a
  claim keeps.
- evidence: what intake found (photos, packaging, seal, damage, dirt, the courier's damage
  report) and the rules that read it.
- refusals: a rule's refusal is a code with parameters; its words are in shared/claims_wording.py.
- lifecycle: the transition table (from, to, who, command, event, email) the aggregate obeys.
- eligibility: which claim types a buyer may file for a product (the one owner of that rule).
- form: what the claim form needs (serial number, problem, attachments, RMA number).
- decisions: rejection reasons, deductions, quotes, refunds and replacements.
- deadlines: pauses while waiting for the customer and how each deadline stands.
"""

"""Formal statements on drafts: passages, receipts, weighing, weighing table."""

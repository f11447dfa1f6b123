"""The phone's ballot receipt, shown once voting on a question has closed."""

from __future__ import annotations

import streamlit as st

from components import participation, receipts
from components.ui.session import get_db, gettext


def render_receipt(participant: dict, question: dict) -> None:
    """Thank a voter and show the receipt they can look up in the published list."""
    db = get_db()
    if not participation.count_dots_used(db, question["id"], participant["id"]):
        return
    _ = gettext()
    st.success(_("Thank you for voting. Your dots are counted."), icon=":material/check_circle:")
    # The code is made of the join-code alphabet only, so it is safe inside inline code.
    st.markdown("#### " + _("Your ballot receipt: {receipt}").format(
        receipt=f"`{receipts.receipt_for(db, question, participant['id'])}`"))
    st.caption(_("Find this code in the published results: your dots are listed beside it, unchanged."))

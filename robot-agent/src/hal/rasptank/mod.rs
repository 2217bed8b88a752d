//! Real Adeept RaspTank backend (work in progress).

"""Tests for gluon.data, mx.recordio and mx.io."""

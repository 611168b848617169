"""Exceptions raised by ml.xmc; all are ValueError subclasses so callers can catch one type."""


class XmcError(ValueError):
    """Base class: bad input data, a bad configuration or a bad model folder."""


class TaxonomyError(XmcError):
    """The taxonomy is malformed or gives an empty label space."""


class DataError(XmcError):
    """A product is malformed: unknown category, unknown or irrelevant label, missing field."""


class UnknownCategoryError(DataError):
    """A product's category (and every prefix of it) is unknown to the label space."""


class ModelFolderError(XmcError):
    """A model folder is incomplete or its files do not match each other."""

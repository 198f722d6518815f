"""Faces found offline: detection and embedding of a photo's faces, beside `imaging` in
the bottom layer (numpy, dlib, yuface; no Qt, no network). The scanner runs
`analyse_photo` in worker processes; `embed_box` embeds a face the user drew."""

from faceboard.recognition.analysis import (EMBEDDING_SIZE, FoundFace, PhotoAnalysis, analyse_photo, embed_box,
                                            vector, warm_up)

__all__ = ["EMBEDDING_SIZE", "FoundFace", "PhotoAnalysis", "analyse_photo", "embed_box", "vector", "warm_up"]

"""python -m ml.xmc train | predict | evaluate | bench"""
import sys

from .cli import main

sys.exit(main())

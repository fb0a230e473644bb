"""French and English stopwords (accent-folded), plus filler words of need statements."""

from __future__ import annotations

_FRENCH = """
a ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez aurions aurons auront
aux avaient avais avait avec avez aviez avions avons ayant ayez ayons c ce ceci cela celle celles celui
ces cet cette ceux chaque comme d dans de des du dont elle elles en entre es est et etaient etais etait
etant ete etre eu eux il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne ni nos
notre nous on ont ou par pas plus pour qu que quel quelle quelles quels qui s sa sans se sera seront
ses si soit son sont sur t ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous y
ainsi afin aussi autre autres apres avant bien car chez deja donc dont egalement encore ici lors
non peu peut peuvent puis sous tant vers via voire
"""

_ENGLISH = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just may me more most my no nor not
now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were
what when where which while who whom why will with within without would you your
"""

# How needs are phrased ("nous cherchons", "we are looking for") and the certification constraints they state:
# the constraints become filters (matchmaker.services.search), as words they only match names by accident
# ("Certified Adaptive discRete moDels").
_NEEDS = """
cherche cherchons cherchez cherchent recherchons souhaitons souhaite besoin besoins
looking seeking seek need needs want wanted
certifie certifiee certifies certifiees certified
"""

STOPWORDS: frozenset[str] = frozenset((_FRENCH + _ENGLISH + _NEEDS).split())
FRENCH_STOPWORDS: frozenset[str] = frozenset(_FRENCH.split())
ENGLISH_STOPWORDS: frozenset[str] = frozenset(_ENGLISH.split())

"""Read what a need is looking for: the kind of partner, the asker, certifications, region, capabilities.

Framework-free and rule-based (French and English cues on accent-folded text), so that every decision can be
shown to the user and corrected: the search applies the parsed intent by default and the page says what it
understood. Kinds are plain strings of ``matchmaker.vocabulary``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from matchmaker.livret_vocabulary import find_terms
from matchmaker.ranking.text import fold, token_of
from matchmaker.vocabulary import KINDS_FOR_SOUGHT, OrganisationKind

EXPERTISE, PRODUCT, SUBCONTRACTING, SERVICE, ANY = "expertise", "product", "subcontracting", "service", "any"
SOUGHT = (EXPERTISE, PRODUCT, SUBCONTRACTING, SERVICE, ANY)
# who asks (not kinds of organisation: a buyer asks, a start-up may ask or answer)
HOSPITAL = "hospital"
BUYER = "buyer"
STARTUP = "startup"

# Which kinds of organisation answer each kind of need (outside-health companies only for non-health needs).
KINDS_FOR: dict[str, tuple[str, ...]] = {sought: tuple(kinds) for sought, kinds in KINDS_FOR_SOUGHT.items()}
OUTSIDE_HEALTH = OrganisationKind.OUTSIDE_HEALTH.value


def _cues(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# (pattern, weight) per sought kind; explicit partner nouns weigh most.
_SOUGHT_CUES: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    EXPERTISE: (
        (
            _cues(
                r"\blaboratoires? (de recherche|academique|public|universitaire|specialise|expert)",
                r"\b(equipes?|unites?|groupes?) de recherche",
                r"\bresearch (labs?|laborator\w*|teams?|groups?|units?)",
                r"\bacademic (labs?|partners?|teams?|groups?)",
                r"\bpartenaires? academiques?",
                r"\bcore facilit",
                r"\bplate-?formes? (technologiques?|d.imagerie|d.analyse|de criblage|de sequencage|de recherche)",
                r"\bplateaux? techniques?",
                r"\btechnology platforms?",
                r"\bchercheurs?\b",
                r"\bresearchers?\b",
                r"\bscientists?\b",
            ),
            3.0,
        ),
        (
            _cues(
                r"\blaboratoires?\b(?! (d.analyses?|d.essais?|pharmaceutiques?|de biologie medicale))",
                r"\blabs?\b",
                r"\bexpertises?\b",
                r"\bexperts?\b",
                r"\bcollaborat",
                r"\bco-?developp",
                r"\bpreuve de concept",
                r"\bproof of concept",
                r"\bpreclini",
                r"\bthese\b|\bcifre\b|\bphd\b",
                r"\bvalidation (scientifique|clinique)",
                r"\bmodelis",
                r"\bcaracteris",
                r"\bcharacteri[sz]",
                r"\bsavoir-faire scientifique",
                r"\bstate of the art",
            ),
            1.0,
        ),
    ),
    PRODUCT: (
        (
            _cues(
                r"\bfournisseurs?\b",
                r"\bsuppliers?\b",
                r"\bvendors?\b",
                r"\bfabricants?\b",
                r"(?<!contract )\bmanufacturers?\b",
                r"\bdistributeurs?\b",
                r"\bdistributors?\b",
                r"\bediteurs? (de )?logiciel",
                r"\bsoftware vendor",
            ),
            3.0,
        ),
        (
            _cues(
                r"\bsolutions?\b",
                r"\blogiciels?\b",
                r"\bsoftware\b",
                r"\bdispositifs?\b",
                r"\bdevices?\b",
                r"\bequipements?\b",
                r"\bequipment\b",
                r"\bappareils?\b",
                r"\boutils?\b",
                r"\btools?\b",
                r"\bapplications?\b",
                r"\bapp\b",
                r"\bkits?\b",
                r"\btests? (rapides?|de diagnostic)",
                r"\bacqu[ie]",
                r"\bachet",
                r"\bachat",
                r"\bfourniture",
                r"\bs.equiper",
                r"\bequiper\b",
                r"\bdeploy",
                r"\bbuy\b",
                r"\bpurchas",
                r"\bprocur",
                r"\bproduits?\b",
                r"\bproducts?\b",
                r"\bmateriels?\b",
                r"\bconsommables?",
                r"\bimplants?\b",
                r"\bcapteurs?\b",
                r"\bsensors?\b",
                r"\bplate-?formes? (logicielle|numerique|de telesurveillance)",
                r"\bsysteme de\b",
                r"\bechographes?\b",
                r"\bscanners?\b",
                r"\bmoniteurs?\b",
                r"\bmonitors?\b",
                r"\bpompes?\b",
                r"\bpumps?\b",
                r"\bstents?\b",
                r"\bballons?\b",
                r"\bcatheters?\b",
                r"\bsondes?\b",
                r"\bseringues?\b",
                r"\bsyringes?\b",
                r"\baiguilles?\b",
                r"\bneedles?\b",
                r"\bpansements?\b",
                r"\bdressings?\b",
                r"\bcompresses?\b",
                r"\bprotheses?\b",
                r"\bprosthes[ie]s\b",
                r"\blits?\b",
                r"\bbeds?\b",
                r"\bdefibrillat",
                r"\brespirateurs?\b",
                r"\bventilat",
                r"\breactifs?\b",
                r"\breagents?\b",
                r"\bautomates?\b",
                r"\banalyseurs?\b",
                r"\banaly[sz]ers?\b",
                r"\bwearables?\b",
                r"\bpatchs?\b",
                r"\brobots?\b",
                r"\bsystem for\b",
                r"\bmedicaments?\b",
                r"\bdrugs?\b",
                r"\bmachines?\b",
            ),
            1.0,
        ),
    ),
    SUBCONTRACTING: (
        (
            _cues(
                r"\bsous-?trait",
                r"\bsub-?contract",
                r"\bfaconn",
                r"\ba facon\b",
                r"\bcontract manufactur",
                r"\bcdmo\b",
                r"\bcmo\b",
                r"\bcontract development",
            ),
            5.0,  # an explicit subcontracting word outweighs the product nouns around it
        ),
        (
            _cues(
                r"\businage",
                r"\bmachining",
                r"\binjection plastique",
                r"\bplastic injection",
                r"\bmoulage",
                r"\bmoulding|\bmolding",
                r"\bdecolletage",
                r"\bindustrialis",
                r"\bindustriali[sz]",
                r"\bproduction en serie",
                r"\bpetite serie",
                r"\bfabrication de (pieces|composants|lots)",
                r"\bmanufactur(e|ing) of (parts|components|batches)",
                r"\bassemblage",
                r"\bassembly\b",
                r"\bconditionnement",
                r"\bpackaging\b",
                r"\bsalle blanche",
                r"\bclean ?room",
                r"\bimpression 3d",
                r"\b3d printing",
                r"\bsterilis",
                r"\bsteriliz",
                r"\btraitement de surface",
                r"\bsurface treatment",
                r"\bsoudure|\bwelding",
                r"\bdecoupe laser|\blaser cutting",
                r"\bpcb\b|\bcartes? electroniques?|\belectronic boards?",
            ),
            1.0,
        ),
    ),
    SERVICE: (
        (
            _cues(
                r"\bprestataires?\b",
                r"\bservice providers?\b",
                r"\bcro\b",
                r"\bbureaux? d.etudes?",
                r"\bconsultants?\b",
                r"\bcabinets? (de )?conseil",
                r"\blaboratoires? d.(analyses?|essais?)",
                r"\btesting labs?",
            ),
            3.0,
        ),
        (
            _cues(
                r"\bprestations?\b",
                r"\bmaintenance\b",
                r"\bentretien\b",
                r"\betalonnage",
                r"\bcalibration",
                r"\bhebergement",
                r"\bhosting\b",
                r"\baudits?\b",
                r"\bconseil\b",
                r"\bconsulting",
                r"\bformation\b",
                r"\btraining\b",
                r"\bessais cliniques",
                r"\bclinical (trials?|stud)",
                r"\baffaires reglementaires",
                r"\bregulatory (affairs|support|consult)",
                r"\bdossier (de )?marquage ce",
                r"\bbiocompatibilit",
                r"\bvalidation de (procedes|methodes)",
                r"\bqualification\b",
                r"\bservices?\b",
                r"\blocation\b",
                r"\brental\b",
                r"\bnettoyage",
                r"\bcleaning\b",
                r"\btransport\b",
                r"\blogistique|\blogistics",
            ),
            1.0,
        ),
    ),
}
_ASKER_CUES = (
    (
        HOSPITAL,
        _cues(
            r"\bchu\b|\bchru\b|\bch\b|\baphp\b|\bap-hp\b|\bght\b|\behpad\b",
            r"\bhopita",
            r"\bhospital",
            r"\bclinique\b|\bclinic\b",
            r"\bnos patients\b|\bour patients\b",
            r"\bnotre service\b|\bour (ward|unit|department)\b",
            r"\bpharmacie (hospitaliere|a usage interieur)|\bpui\b",
            r"\bbloc operatoire|\boperating (room|theatre)",
            r"\bsoignants?\b|\binfirmi|\bnurs(e|es|ing)\b",
            r"\bservices? (de|d.) ?(reanimation|radiologie|cardiologie|urgences?|oncologie|pediatrie|sterilisation|"
            r"medecine|chirurgie|neurologie|geriatrie|gynecologie|maternite|psychiatrie|imagerie|biologie medicale|orl|"
            r"pneumologie|nephrologie|endocrinologie|diabetologie|hematologie|dermatologie|ophtalmologie|soins)",
            r"\b(aux|pour les|des) urgences\b",
            r"\bemergency (department|room|ward|care|medicine|units?|services?)",
            r"\b(in|for|at) (the )?(emergency|emergencies|a&e)\b",
            r"\b(ent|oncology|radiology|cardiology|icu|intensive care) (department|unit|ward)",
            r"\bsalle de (cardiologie|radiologie|reveil)",
            r"\bcardiologie interventionnelle",
            r"\bhospital pharmacy|\bpharmacie hospitaliere",
        ),
    ),
    (
        STARTUP,
        _cues(
            r"\bstart-?ups?\b",
            r"\bjeunes? (entreprise|societe|pousse)",
            r"\bnotre (jeune )?(societe|entreprise) (developpe|concoit)",
            r"\bnous developpons\b|\bwe (are )?develop",
            r"\bnotre (projet|prototype|technologie|dispositif)\b",
            r"\bour (project|prototype|technology|device)\b",
            r"\bspin-?off\b|\bmaturation\b|\bsatt\b",
        ),
    ),
    (
        BUYER,
        _cues(
            r"\bdonneurs? d.ordres?",
            r"\bindustriels?\b",
            r"\bnotre usine|\bour (plant|factory)",
            r"\bnos lignes? de production",
            r"\bnous fabriquons|\bwe manufacture",
            r"\bgroupe (industriel|pharmaceutique)",
            r"\bpme\b|\beti\b|\bsme\b",
        ),
    ),
)
# Needs outside health (hospitals also buy food, works, insurance, lifts, temporary staff, patient transport...):
# outside-health companies may answer them, beside the others.
_OUTSIDE_HEALTH = _cues(
    r"\brestauration\b|\brepas\b|\bdenrees?\b|\balimentaire|\bcatering\b|\bfood\b|\bepicerie|\bboissons?\b",
    r"\bviandes?\b|\bcharcuterie|\bboulangerie|\bpains?\b|\bviennoiseries?|\bproduits? laitiers|\bsurgeles?\b",
    r"\btravaux\b|\bbatiment|\bmaconnerie|\bplomberie|\bcouverture\b|\bconstruction\b|\bmaitrise d.oeuvre|\bvoirie",
    r"\bmenuiseries?\b|\bpeinture\b|\bdesamiantage|\bamiante\b|\bchauffage|\bclimatisation|\bcvc\b|\bparking",
    r"\bascenseurs?|\bmonte-charges?|\belevat(eurs?|ors?)\b|\blifts?\b",
    r"\bassurances?\b|\binsurance\b|\bmutuelle",
    r"\bnettoyage des locaux|\bproprete\b|\bespaces? verts|\bjardin|\bbionettoyage|\bcleaning of (the )?premises",
    r"\bgardiennage|\bsecurite incendie|\bsurveillance des (locaux|batiments)|\bsurete\b|\bsecurity guard",
    r"\bblanchisserie|\blinge\b|\blaundry",
    r"\bcarburants?|\bfioul|\belectricite\b|\bgaz\b|\benergie\b",
    r"\bmobilier|\bfournitures de bureau|\bpapeterie|\bimpression\b|\bimprimerie|\barchiv",
    r"\bvehicules?\b|\bvehicles?\b|\bdechets? (menagers|non dangereux)",
    r"\binterim|\bintérim|\btravail temporaire|\bmise a disposition de personnel|\btemporary staff|\bagency staff",
    r"\btransports? (sanitaires?|de patients)|\bambulanc|\bpatient transport",
    r"\bcreches?\b|\bpetite enfance|\binsertion professionnelle|\bhebergement social",
    r"\btelephonie|\bstandard telephonique|\btelecommunications?",
)
# Words of a health technology (a device, a drug, a diagnostic, research): with one of them the need stays a
# health-tech need even if it names, say, a vehicle or energy ("gaz médicaux" stays open to both).
_HEALTH_TECH = re.compile(
    r"dispositifs? medic|medical devices?|diagnos|therap|medicament|\bdrugs?\b|biolog|reactif|reagent|implant|"
    r"chirurg|surgical|imagerie|imaging|prototype|recherche|research|laboratoire|\blabs?\b|biocompat"
)
# Region names (French and English) and the largest cities, folded.
_REGION_NAMES = {
    "auvergne-rhone-alpes": "Auvergne-Rhône-Alpes",
    "auvergne": "Auvergne-Rhône-Alpes",
    "rhone-alpes": "Auvergne-Rhône-Alpes",
    "bourgogne-franche-comte": "Bourgogne-Franche-Comté",
    "bourgogne": "Bourgogne-Franche-Comté",
    "burgundy": "Bourgogne-Franche-Comté",
    "franche-comte": "Bourgogne-Franche-Comté",
    "bretagne": "Bretagne",
    "brittany": "Bretagne",
    "centre-val de loire": "Centre-Val de Loire",
    "corse": "Corse",
    "corsica": "Corse",
    "grand est": "Grand Est",
    "alsace": "Grand Est",
    "lorraine": "Grand Est",
    "hauts-de-france": "Hauts-de-France",
    "ile-de-france": "Île-de-France",
    "paris region": "Île-de-France",
    "region parisienne": "Île-de-France",
    "normandie": "Normandie",
    "normandy": "Normandie",
    "nouvelle-aquitaine": "Nouvelle-Aquitaine",
    "occitanie": "Occitanie",
    "pays de la loire": "Pays de la Loire",
    "provence-alpes-cote d'azur": "Provence-Alpes-Côte d'Azur",
    "paca": "Provence-Alpes-Côte d'Azur",
    "la reunion": "La Réunion",
    "guadeloupe": "Guadeloupe",
    "martinique": "Martinique",
    "guyane": "Guyane",
    "paris": "Île-de-France",
    "lyon": "Auvergne-Rhône-Alpes",
    "grenoble": "Auvergne-Rhône-Alpes",
    "saint-etienne": "Auvergne-Rhône-Alpes",
    "clermont-ferrand": "Auvergne-Rhône-Alpes",
    "marseille": "Provence-Alpes-Côte d'Azur",
    "nice": "Provence-Alpes-Côte d'Azur",
    "toulouse": "Occitanie",
    "montpellier": "Occitanie",
    "bordeaux": "Nouvelle-Aquitaine",
    "poitiers": "Nouvelle-Aquitaine",
    "limoges": "Nouvelle-Aquitaine",
    "lille": "Hauts-de-France",
    "amiens": "Hauts-de-France",
    "nantes": "Pays de la Loire",
    "angers": "Pays de la Loire",
    "strasbourg": "Grand Est",
    "nancy": "Grand Est",
    "reims": "Grand Est",
    "metz": "Grand Est",
    "rennes": "Bretagne",
    "brest": "Bretagne",
    "rouen": "Normandie",
    "caen": "Normandie",
    "dijon": "Bourgogne-Franche-Comté",
    "besancon": "Bourgogne-Franche-Comté",
    "tours": "Centre-Val de Loire",
    "orleans": "Centre-Val de Loire",
}
_REGION_CUE = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(_REGION_NAMES, key=len, reverse=True)) + r")\b")
_CAPABILITY_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]", re.UNICODE)
_CUE_WORDS = frozenset(
    """laboratoire laboratoires lab labs equipe equipes recherche research partenaire partenaires partner partners
    fournisseur fournisseurs supplier suppliers prestataire prestataires provider providers sous-traitant
    sous-traitants subcontractor subcontractors fabricant fabricants manufacturer manufacturers start-up startup
    start-ups startups solution solutions expertise expert experts nous notre nos our we need looking cherche
    cherchons recherchons souhaitons besoin pour for with avec dans une des les qui que capable capables pouvant
    able certifie certifiee certified iso hopital hospital chu service services societe entreprise company pres
    proche near region ville city afin order pouvoir peut""".split()
)


@dataclass(frozen=True)
class NeedIntent:
    """What a need is looking for, as parsed from its text (every field can be corrected by the user).

    Attributes:
        sought: expertise (labs, platforms), product (companies and start-ups that offer it), subcontracting,
            service, or any.
        kinds: the kinds of organisation ranked by default for it.
        asker: hospital, buyer, startup, or None when the text does not say.
        certifications: certifications the need requires (canonical labels).
        regions: regions the need names.
        capabilities: the content words of the need (what must be done), for display.
        processes: codes of the activities and processes of matchmaker.livret_vocabulary the need names.
        materials: codes of the livret vocabulary's materials the need names.
        health: False when the need is about something outside health (catering, works, insurance...).
        meaningful: False when the text holds no word to match on ("!!!???").
        corrected: True when the user set ``sought`` rather than the parser.
    """

    sought: str = ANY
    kinds: tuple[str, ...] = KINDS_FOR[ANY]
    asker: str | None = None
    certifications: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    health: bool = True
    meaningful: bool = True
    corrected: bool = False
    scores: dict[str, float] = field(default_factory=dict, compare=False)

    def with_sought(self, sought: str) -> NeedIntent:
        """Return the same intent with ``sought`` set by the user."""
        if sought not in SOUGHT:
            raise ValueError(f"unknown intent {sought!r}")
        return NeedIntent(
            sought=sought,
            kinds=kinds_for(sought, self.health),
            asker=self.asker,
            certifications=self.certifications,
            regions=self.regions,
            capabilities=self.capabilities,
            processes=self.processes,
            materials=self.materials,
            health=self.health,
            meaningful=self.meaningful,
            corrected=True,
            scores=self.scores,
        )


def kinds_for(sought: str, health: bool = True) -> tuple[str, ...]:
    """Return the kinds ranked for a sought kind of partner (outside-health companies only for other needs)."""
    kinds = KINDS_FOR[sought]
    return kinds if health or sought in (EXPERTISE,) else (*kinds, OUTSIDE_HEALTH)


def parse_intent(text: str, certification_patterns: tuple[tuple[str, str], ...] = ()) -> NeedIntent:
    """Parse a need (French or English) into a NeedIntent.

    Args:
        text: the need as typed.
        certification_patterns: (regex on folded text, canonical label) pairs, e.g. the vocabulary's.
    """
    folded = fold(" ".join(text.split()))
    words = [re.sub(r"^(?:[ldnsjcm]|qu)['’]", "", w, flags=re.I) for w in _CAPABILITY_WORD.findall(text)]
    meaningful = any(token_of(w.lower().replace("-", "")) for w in re.findall(r"[^\W_]+", text))
    asker = next((who for who, cue in _ASKER_CUES if cue.search(folded)), None)
    scores = {
        sought: sum(weight * len(pattern.findall(folded)) for pattern, weight in cues)
        for sought, cues in _SOUGHT_CUES.items()
    }
    # who asks shifts the reading: a hospital buys solutions, a start-up looks for lab expertise
    if asker == HOSPITAL:
        scores[PRODUCT] += 1.5
    elif asker == STARTUP:
        scores[EXPERTISE] += 1.0
    elif asker == BUYER:
        scores[SUBCONTRACTING] += 1.0
    # on a tie the more specific reading wins (a "fabricant à façon" is a subcontractor; a hospital buys)
    preference = (
        (SUBCONTRACTING, SERVICE, PRODUCT, EXPERTISE)
        if asker != STARTUP
        else (SUBCONTRACTING, EXPERTISE, SERVICE, PRODUCT)
    )
    best = max(scores, key=lambda s: (scores[s], -preference.index(s)))
    sought = best if scores[best] >= 1.0 else ANY
    health = not (_OUTSIDE_HEALTH.search(folded) and not _HEALTH_TECH.search(folded))
    certifications = tuple(
        dict.fromkeys(label for pattern, label in certification_patterns if re.search(pattern, folded))
    )
    regions = tuple(dict.fromkeys(_REGION_NAMES[m.group(1)] for m in _REGION_CUE.finditer(folded)))
    capabilities = tuple(
        dict.fromkeys(
            w
            for w in words
            if len(w) > 3
            and fold(w) not in _CUE_WORDS
            and token_of(w.lower().replace("-", ""))
            and fold(w) not in _REGION_NAMES
        )
    )[:10]
    return NeedIntent(
        sought=sought,
        kinds=kinds_for(sought, health),
        asker=asker,
        certifications=certifications,
        regions=regions,
        capabilities=capabilities,
        processes=find_terms("activities", text),
        materials=find_terms("materials", text),
        health=health,
        meaningful=meaningful,
        scores=scores,
    )

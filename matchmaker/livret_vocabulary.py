"""The controlled vocabulary of the livret de compétences: activities and processes, materials, sectors, clients.

It sits beside ``matchmaker.vocabulary`` (kinds, evidence kinds, certifications) and is the one source of
these terms: the livret forms, the bulk import, the evidence texts, the need parser and the staff dashboard
all read them from here. Plain Python, no Flask, no ORM (the ranking core may import it).

Every term has a stable ``code`` (what a livret stores), a French and an English label, the ``sources`` it
was built from and ``cues``: patterns over lower-cased, accent-free text (French and English) that find the
term in a need or in evidence. Sources name where the entry comes from:

- EMDN: the European Medical Device Nomenclature V2 (European Commission), category or term code;
- CPV: a division of the Common Procurement Vocabulary (EU public procurement), as in the DECP contracts;
- the certifications of ``matchmaker.vocabulary.CERTIFICATIONS`` and the standards they rest on;
- EUDAMED device records when EMDN has no term for a material.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from matchmaker.vocabulary import fold_accents


@dataclass(frozen=True)
class Term:
    """One entry of the livret vocabulary."""

    code: str
    fr: str
    en: str
    group: str
    sources: tuple[str, ...]
    cues: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def label(self, lang: str = "fr") -> str:
        """Return the label in ``lang`` ("fr" or "en")."""
        return self.en if lang == "en" else self.fr

    def found_in(self, folded: str) -> bool:
        """Return True when the term is named in a text already lower-cased and accent-folded."""
        return self.pattern is not None and self.pattern.search(folded) is not None


def _term(code: str, fr: str, en: str, group: str, sources: tuple[str, ...], *cues: str) -> Term:
    pattern = re.compile("|".join(f"(?:{c})" for c in cues)) if cues else None
    return Term(code=code, fr=fr, en=en, group=group, sources=sources, cues=cues, pattern=pattern)


# Sources quote EMDN V2 (English) category or term codes, CPV 2008 divisions, certifications of
# matchmaker.vocabulary ("certification <label>") and the standards they rest on.
ACTIVITY_GROUPS: dict[str, tuple[str, str]] = {
    "manufacturing": ("Fabrication et transformation", "Manufacturing and processing"),
    "testing": ("Essais, analyses et contrôles", "Testing, analysis and inspection"),
    "clinical_regulatory": ("Clinique, qualité et réglementaire", "Clinical, quality and regulatory"),
    "services": ("Services", "Services"),
}
"""Families of activities, in the order the livret form lists them: code -> (French, English)."""

_M, _T, _C, _S = "manufacturing", "testing", "clinical_regulatory", "services"

ACTIVITIES: tuple[Term, ...] = (
    _term("machining", "Usinage (fraisage, tournage)", "Machining (milling, turning)", _M,
          ("EMDN L (reusable surgical instruments)", "EMDN P (implantable prosthetic and osteosynthesis devices)"),
          r"\busin(age|ages|er|ee|ees|es)\b", r"\bfraisage", r"\btournage\b", r"\bmachining\b", r"\bcnc\b",
          r"\b5 axes\b", r"\b5-axis\b", r"\bmilling\b", r"\bmicro-?usinage", r"\bmicromachining"),
    _term("bar_turning", "Décolletage", "Bar turning (Swiss-type)", _M,
          ("EMDN P (implantable prosthetic and osteosynthesis devices)",
           "EMDN L09 (orthopaedic and traumatological surgery instruments, reusable)"),
          r"\bdecolletage", r"\bdecolleteur", r"\bbar turning", r"\bswiss-type"),
    _term("injection_moulding", "Injection plastique", "Plastic injection moulding", _M,
          ("EMDN A02 (syringes)", "EMDN C0101 (peripheral I.V. catheters and cannulas)",
           "CPV division 19 (leather and textile fabrics, plastic and rubber materials)"),
          r"\binjection (plastique|des plastiques|thermoplastique)", r"\bmoulage par injection",
          r"\bplastic injection", r"\binjection[- ]mou?ld", r"\bsurmoulage", r"\bover-?mou?ld"),
    _term("extrusion", "Extrusion de tubes et profilés", "Tubing and profile extrusion", _M,
          ("EMDN C0101 (peripheral I.V. catheters and cannulas)", "EMDN A03 (tubular devices)"),
          r"\bextrusion", r"\bextrud"),
    _term("elastomer_moulding", "Moulage silicone et élastomères", "Silicone and elastomer moulding", _M,
          ("EMDN M040407 (silicone dressings)", "EMDN Q020706 (lacrimal tubes, silicone)"),
          r"\bmoulage (du |de |en )?(silicone|elastomere)", r"\bsilicone mou?lding", r"\blsr\b", r"\belastomere",
          r"\belastomer\b"),
    _term("additive_manufacturing", "Fabrication additive (impression 3D)", "Additive manufacturing (3D printing)", _M,
          ("EMDN P (implantable prosthetic and osteosynthesis devices)",
           "EMDN Q0106 (materials for the preparation of custom-made dental devices)"),
          r"\bfabrication additive", r"\bimpression 3d", r"\bimprime(e|es|s)? en 3d", r"\badditive manufactur",
          r"\b3d[- ]print", r"\bfrittage laser", r"\blaser sintering", r"\bfusion laser sur lit de poudre"),
    _term("laser_processing", "Découpe, soudage et marquage laser", "Laser cutting, welding and marking", _M,
          ("EMDN P070402 (vascular stents)", "certification MDR (marquage UDI des dispositifs)"),
          r"\b(decoupe|soudage|soudure|marquage|gravure|micro-?soudure) (au )?laser",
          r"\blaser (cutting|welding|marking)"),
    _term("surface_treatment", "Traitement de surface (anodisation, passivation, revêtement)",
          "Surface treatment (anodising, passivation, coating)", _M,
          ("EMDN P (implantable prosthetic and osteosynthesis devices)", "EMDN L (reusable surgical instruments)"),
          r"\btraitements? de surface", r"\banodis", r"\banodiz", r"\bpassivation", r"\brevetements?\b",
          r"\bcoatings?\b", r"\belectro-?polis", r"\bpolissage", r"\bpolishing", r"\bsablage", r"\bgrenaillage",
          r"\bsurface (treatment|finishing)"),
    _term("electronics", "Électronique : conception et assemblage de cartes",
          "Electronics: design and PCB assembly", _M,
          ("EMDN J (active-implantable devices)",
           "EMDN Z (medical equipment and related accessories, software and consumables)",
           "CPV division 31 (electrical machinery, apparatus, equipment and consumables)"),
          r"\bcartes? electroniques?", r"\belectronique embarquee", r"\bpcba?\b", r"\bcms\b", r"\bsmt\b",
          r"\belectronic (boards?|assembl)", r"\belectronics (design|assembly|manufactur)", r"\bcablage",
          r"\bwiring harness"),
    _term("assembly", "Assemblage et intégration", "Assembly and integration", _M,
          ("EMDN Z (medical equipment and related accessories, software and consumables)",
           "certification ISO 13485 (§7.5 production)"),
          r"\bassemblage", r"\bassembly\b", r"\bintegration (mecanique|de sous-ensembles|de systemes)",
          r"\bsous-ensembles", r"\bsub-?assembl"),
    _term("cleanroom_assembly", "Assemblage en salle blanche", "Clean-room assembly", _M,
          ("EMDN S (sterilisation devices)", "certification ISO 13485 (§6.4 maîtrise de la contamination)",
           "ISO 14644 (salles propres)"),
          r"\bsalles? blanches?", r"\bsalles? propres?", r"\bclean[- ]?rooms?", r"\bzone a atmosphere controlee",
          r"\biso (classe )?[5-8]\b"),
    _term("packaging", "Conditionnement et emballage (barrière stérile, blister)",
          "Packaging (sterile barrier, blister)", _M,
          ("EMDN S0103 (materials for packaging packs to be sterilized)", "ISO 11607 (emballages des DM stérilisés)"),
          r"\bconditionnement", r"\bemballages?\b", r"\bblisters?\b", r"\bpackaging", r"\bensachage",
          r"\bthermo-?scell", r"\bsterile barrier"),
    _term("sterilisation", "Stérilisation (oxyde d'éthylène, gamma, vapeur)",
          "Sterilisation (ethylene oxide, gamma, steam)", _M,
          ("EMDN S (sterilisation devices)",
           "EMDN D (disinfectants, antiseptics, sterilising agents and detergents for medical devices)",
           "ISO 11135 / ISO 11137 (stérilisation des DM)",
           "CPV division 33 (medical equipments, pharmaceuticals and personal care products)"),
          r"\bsterilis", r"\bsteriliz", r"\boxyde d.ethylene", r"\bethylene oxide", r"\beto\b",
          r"\b(rayons?|irradiation|rayonnement) (gamma|beta)", r"\bgamma (irradiation|sterili)", r"\be-?beam",
          r"\bfaisceau d.electrons", r"\bautoclav"),
    _term("cleaning_decontamination", "Nettoyage et décontamination de dispositifs",
          "Device cleaning and decontamination", _M,
          ("EMDN V07 (medical device cleaning devices)",
           "EMDN D (disinfectants, antiseptics, sterilising agents and detergents for medical devices)"),
          r"\bnettoyage (des |de |final )?(dispositifs|pieces|instruments|implants)", r"\bdecontamination",
          r"\blavage (par )?ultrasons?", r"\bultrasonic cleaning", r"\bdevice cleaning", r"\bfinal cleaning"),
    _term("medical_textiles", "Textiles médicaux (tissage, tricotage, confection)",
          "Medical textiles (weaving, knitting, making-up)", _M,
          ("EMDN M (devices for general and specialist dressings)", "EMDN M0202 (non-woven gauzes)",
           "EMDN T (patient protective equipment)"),
          r"\btextiles? (medicaux|techniques|medical)", r"\bmedical textiles?", r"\btissage", r"\btricotage",
          r"\bweaving", r"\bknitting", r"\bconfection textile"),
    _term("pharmaceutical_manufacturing", "Fabrication pharmaceutique (formes sèches, liquides, stériles)",
          "Pharmaceutical manufacturing (solid, liquid, sterile forms)", _M,
          ("certification GMP/BPF", "CPV division 33 (33600000 pharmaceutical products)"),
          r"\bfabrication (pharmaceutique|de medicaments)", r"\bformes? (seches|liquides|steriles|galeniques)",
          r"\bgalenique", r"\bremplissage aseptique", r"\baseptic fill", r"\bfill[- ]?(and[- ])?finish",
          r"\blyophilis", r"\blyophiliz", r"\bpharmaceutical manufactur", r"\bdrug product manufactur",
          r"\bfaconnier pharmaceutique"),
    _term("biomanufacturing", "Bioproduction (anticorps, vecteurs viraux, thérapies cellulaires)",
          "Biomanufacturing (antibodies, viral vectors, cell therapies)", _M,
          ("certification GMP/BPF",),
          r"\bbioproduction", r"\bbiomanufactur", r"\bbioprocede", r"\bbioprocess", r"\banticorps monoclonaux",
          r"\bmonoclonal antibod", r"\bvecteurs? vira", r"\bviral vectors?", r"\btherapies? (cellulaires?|geniques?)",
          r"\b(cell|gene) therap", r"\bcdmo\b", r"\bfermentation"),
    _term("ivd_reagents", "Fabrication de réactifs et kits de diagnostic", "Reagent and IVD kit manufacturing", _M,
          ("EMDN W (in vitro diagnostic medical devices)", "EMDN W01 (reagents)", "certification IVDR"),
          r"\breactifs\b", r"\breactifs? (de|pour) (diagnostic|laboratoire)", r"\breagents?\b",
          r"\bkits? (de )?diagnosti", r"\bdiagnostic kits?", r"\btests? (rapides?|de diagnostic)",
          r"\brapid (diagnostic )?tests?", r"\bimmuno-?essai", r"\bimmunoassay"),
    _term("design_development", "Conception et développement de dispositifs médicaux",
          "Medical device design and development", _M,
          ("certification ISO 13485 (§7.3 conception et développement)",
           "CPV division 73 (research and development services and related consultancy services)"),
          r"\bconception (de |d.un |du |des )?(dispositifs?|produits?|dm|prototypes?|systemes?)",
          r"\bbureaux? d.etudes?", r"\bdesign and development", r"\b(product|device) design", r"\bco-?conception",
          r"\bdeveloppement (de |d.un )?(produits?|dispositifs?)", r"\bengineering services"),
    _term("prototyping", "Prototypage", "Prototyping", _M,
          ("CPV division 73 (research and development services and related consultancy services)",),
          r"\bprototyp"),
    _term("industrialisation", "Industrialisation et transfert de production",
          "Industrialisation and production transfer", _M,
          ("certification ISO 13485 (§7.5 production et prestation de service)",),
          r"\bindustrialis", r"\bindustrializ", r"\btransfert (de production|industriel|de fabrication)",
          r"\bscale-?up", r"\bmontee en cadence", r"\bproduction en (petite |moyenne |grande )?series?",
          r"\b(petites?|moyennes?) series", r"\bseries production"),
    _term("software", "Logiciel dispositif médical et santé numérique",
          "Medical device software and digital health", _M,
          ("EMDN J010792 (remote monitoring systems - medical device software)",
           "CPV division 48 (software package and information systems)",
           "CPV division 72 (IT services: consulting, software development, Internet and support)"),
          r"\blogiciels?\b", r"\bsoftware\b", r"\bapplications? mobiles?", r"\bmobile app", r"\bsamd\b",
          r"\bdispositifs? medica(l|ux) numeriques?", r"\bintelligence artificielle", r"\bartificial intelligence",
          r"\bmachine learning", r"\bdeep learning"),
    _term("biocompatibility_testing", "Essais de biocompatibilité (ISO 10993)",
          "Biocompatibility testing (ISO 10993)", _T,
          ("ISO 10993 (évaluation biologique des dispositifs médicaux)", "certification ISO 17025",
           "CPV division 71 (architectural, construction, engineering and inspection services: technical testing)"),
          r"\bbiocompatib", r"\b10993\b", r"\bcytotoxicit", r"\bsensibilisation cutanee"),
    _term("mechanical_testing", "Essais mécaniques et de fatigue", "Mechanical and fatigue testing", _T,
          ("certification ISO 17025",
           "CPV division 71 (architectural, construction, engineering and inspection services: technical testing)"),
          r"\bessais? (mecaniques?|de fatigue|de traction|de compression|d.usure)", r"\bfatigue test",
          r"\bmechanical test", r"\btensile test", r"\bwear test"),
    _term("microbiology_testing", "Contrôles microbiologiques (biocharge, stérilité, endotoxines)",
          "Microbiological testing (bioburden, sterility, endotoxins)", _T,
          ("ISO 11737 (méthodes microbiologiques)", "certification ISO 17025"),
          r"\b(controles?|analyses?|essais?) microbiologiques?", r"\bmicrobiological test", r"\bbiocharge",
          r"\bbioburden", r"\bendotoxin", r"\b(test|essai)s? de sterilite", r"\bsterility test"),
    _term("physicochemical_analysis", "Analyses physico-chimiques et caractérisation des matériaux",
          "Physico-chemical analysis and material characterisation", _T,
          ("ISO 10993-18 (caractérisation chimique)", "certification ISO 17025",
           "CPV division 71 (architectural, construction, engineering and inspection services: technical testing)"),
          r"\bphysico-?chimi", r"\bcaracterisation (des |de )?materiaux", r"\bmaterials? characteri[sz]",
          r"\bchromatograph", r"\bspectrometr", r"\bextractibles", r"\brelargables", r"\bextractables",
          r"\bleachables"),
    _term("electrical_safety_testing", "Essais de sécurité électrique et CEM", "Electrical safety and EMC testing", _T,
          ("IEC 60601 (sécurité des appareils électromédicaux)", "certification ISO 17025"),
          r"\bsecurite electrique", r"\belectrical safety", r"\bcompatibilite electromagnetique",
          r"\belectromagnetic compatibility", r"\bcem\b", r"\bemc\b", r"\b60601\b"),
    _term("process_validation", "Validation de procédés (stérilisation, nettoyage, emballage)",
          "Process validation (sterilisation, cleaning, packaging)", _T,
          ("certification ISO 13485 (§7.5.6 validation des procédés)", "EMDN S (sterilisation devices)"),
          r"\bvalidations? (de |des )?procedes?", r"\bprocess validation", r"\bqualifications? (iq|oq|pq)",
          r"\bvieillissement accelere", r"\baccelerated ag(e)?ing"),
    _term("metrology_calibration", "Métrologie et étalonnage", "Metrology and calibration", _T,
          ("certification ISO 17025", "CPV division 38 (laboratory, optical and precision equipments)"),
          r"\bmetrolog", r"\betalonnage", r"\bcalibration", r"\bcontrole dimensionnel", r"\bdimensional inspection",
          r"\bmesure tridimensionnelle", r"\bcmm\b"),
    _term("medical_biology", "Analyses de biologie médicale", "Medical biology testing", _T,
          ("certification ISO 15189", "CPV division 85 (health and social work services)"),
          r"\bbiologie medicale", r"\banalyses? medicales", r"\bmedical (biology|laboratory) test",
          r"\bclinical laborator"),
    _term("preclinical_studies", "Études précliniques (in vitro, in vivo)",
          "Preclinical studies (in vitro, in vivo)", _T,
          ("certification GLP/BPL",
           "CPV division 73 (research and development services and related consultancy services)"),
          r"\bpreclini", r"\bin vivo\b", r"\bmodeles? animaux", r"\banimal models?", r"\btoxicolog", r"\bpharmacologi"),
    _term("imaging", "Imagerie (IRM, TEP, microscopie)", "Imaging (MRI, PET, microscopy)", _T,
          ("EMDN Z11 (bioimaging and radiotherapy instruments)",
           "EMDN Z1105 (magnetic resonance imaging instruments)"),
          r"\bimagerie", r"\bimaging\b", r"\birm\b", r"\bmri\b", r"\btep\b", r"\bmicroscop", r"\btomograph",
          r"\bechograph", r"\bultrasound imaging"),
    _term("genomics", "Séquençage et génomique", "Sequencing and genomics", _T,
          ("EMDN W (in vitro diagnostic medical devices)",
           "CPV division 73 (research and development services and related consultancy services)"),
          r"\bsequencage", r"\bsequencing", r"\bgenomi", r"\bngs\b", r"\btranscriptom", r"\bgenotyp"),
    _term("cell_biology", "Culture cellulaire, organoïdes et criblage", "Cell culture, organoids and screening", _T,
          ("CPV division 73 (research and development services and related consultancy services)",),
          r"\bcultures? cellulaires?", r"\bcell cultures?", r"\borganoid", r"\bcriblage",
          r"\bhigh-?throughput screening"),
    _term("usability_engineering", "Ingénierie de l'aptitude à l'utilisation (facteurs humains)",
          "Usability engineering (human factors)", _T,
          ("IEC 62366 (aptitude à l'utilisation des DM)", "certification MDR (annexe I)"),
          r"\baptitude a l.utilisation", r"\busabilit", r"\bfacteurs humains", r"\bhuman factors", r"\b62366\b"),
    _term("clinical_investigation", "Investigation clinique (essais cliniques)",
          "Clinical investigation (clinical trials)", _C,
          ("ISO 14155 (investigation clinique des DM)", "certification MDR (chapitre VI)",
           "CPV division 73 (research and development services and related consultancy services)"),
          r"\binvestigations? cliniques?", r"\bessais? cliniques?", r"\betudes? cliniques?",
          r"\bclinical (investigation|trial|stud)", r"\bcro\b", r"\b14155\b", r"\brecrutement (de|des) patients",
          r"\bpatient recruitment"),
    _term("clinical_evaluation", "Évaluation clinique et surveillance après commercialisation",
          "Clinical evaluation and post-market surveillance", _C,
          ("certification MDR (art. 61 et 83)", "certification IVDR"),
          r"\bevaluation clinique", r"\bclinical evaluation", r"\bpmcf\b", r"\bsurveillance apres commercialisation",
          r"\bpost-?market", r"\bmateriovigilance", r"\breactovigilance"),
    _term("regulatory_affairs", "Affaires réglementaires (marquage CE, dossier technique)",
          "Regulatory affairs (CE marking, technical documentation)", _C,
          ("certification MDR", "certification IVDR"),
          r"\baffaires? reglementaires?", r"\breglementaire", r"\bregulatory", r"\bmarquage ce\b", r"\bce mark",
          r"\bdossiers? techniques?", r"\btechnical (file|documentation)", r"\borganisme notifie", r"\bnotified body",
          r"\b510\s?\(?k\)?"),
    _term("quality_management", "Systèmes de management de la qualité", "Quality management systems", _C,
          ("certification ISO 13485", "certification ISO 9001"),
          r"\bmanagement de la qualite", r"\bsystemes? (de management de la |de )?qualite", r"\bquality management",
          r"\bqms\b", r"\bsmq\b", r"\bassurance qualite", r"\bquality assurance", r"\baudits? qualite"),
    _term("risk_management", "Gestion des risques", "Risk management", _C,
          ("certification ISO 14971",),
          r"\bgestion des risques", r"\banalyses? (de |des )?risques", r"\brisk (management|analysis)", r"\bamdec\b",
          r"\bfmea\b"),
    _term("health_data_hosting", "Hébergement de données de santé", "Health data hosting", _C,
          ("certification HDS", "certification ISO 27001"),
          r"\bhebergement (de |des )?donnees de sante", r"\bhealth data hosting", r"\bhebergeur"),
    _term("cybersecurity", "Cybersécurité", "Cybersecurity", _C,
          ("certification ISO 27001",),
          r"\bcyber-?securit", r"\bsecurite (informatique|des systemes d.information)", r"\binformation security",
          r"\bpentest", r"\btests? d.intrusion"),
    _term("market_access", "Accès au marché et remboursement", "Market access and reimbursement", _C,
          ("CPV division 79 (business services: law, marketing, consulting)",
           "CPV division 85 (health and social work services)"),
          r"\bacces au marche", r"\bmarket access", r"\bremboursement", r"\breimbursement", r"\blppr\b",
          r"\bcnedimts\b", r"\bmedico-?economi", r"\bhealth economic"),
    _term("equipment_maintenance", "Maintenance d'équipements biomédicaux", "Biomedical equipment maintenance", _S,
          ("CPV division 50 (repair and maintenance services, e.g. 50421000 in the DECP contracts)",
           "EMDN Z (medical equipment and related accessories, software and consumables)"),
          r"\bmaintenance", r"\bentretien (des |d.)?(equipements?|appareils?|automates?)", r"\breparation",
          r"\brepair\b", r"\bservice apres-?vente", r"\bafter-?sales"),
    _term("logistics", "Logistique et distribution de produits de santé",
          "Health product logistics and distribution", _S,
          ("CPV division 60 (transport services)",
           "CPV division 33 (medical equipments, pharmaceuticals and personal care products)"),
          r"\blogistique", r"\blogistics", r"\bdistribution (de |des )?(produits|dispositifs|medicaments)",
          r"\bentreposage", r"\bwarehousing", r"\bchaine du froid", r"\bcold chain"),
    _term("training", "Formation", "Training", _S,
          ("CPV division 80 (education and training services)",),
          r"\bformations? (professionnelles?|continues?|des personnels|aux? )", r"\btraining\b", r"\be-?learning"),
)
"""Activities and processes a member can declare, grouped by family (``ACTIVITY_GROUPS``)."""

_METAL, _POLYMER, _CERAMIC, _BIO = "metals", "polymers", "ceramics", "biological"

MATERIAL_GROUPS: dict[str, tuple[str, str]] = {
    _METAL: ("Métaux et alliages", "Metals and alloys"),
    _POLYMER: ("Polymères et élastomères", "Polymers and elastomers"),
    _CERAMIC: ("Céramiques et minéraux", "Ceramics and minerals"),
    _BIO: ("Matériaux biologiques, textiles et gels", "Biological materials, textiles and gels"),
}
"""Families of materials: code -> (French, English)."""

MATERIALS: tuple[Term, ...] = (
    _term("titanium", "Titane et alliages de titane", "Titanium and titanium alloys", _METAL,
          ("EMDN H0102020103 (titanium monofilament)", "EUDAMED (devices of French manufacturers: titanium needles)"),
          r"\btitane\b", r"\btitanium\b", r"\bta6v\b", r"\bti-?6al-?4v"),
    _term("stainless_steel", "Acier inoxydable", "Stainless steel", _METAL,
          ("EMDN H0102020101 (stainless steel monofilament)",),
          r"\bacier inox", r"\binox\b", r"\binoxydable", r"\bstainless", r"\b316 ?l\b"),
    _term("cobalt_chromium", "Cobalt-chrome", "Cobalt-chromium", _METAL,
          ("EMDN P (implantable prosthetic and osteosynthesis devices)",),
          r"\bcobalt[- ]chrom", r"\bco-?cr\b", r"\bcocrmo\b"),
    _term("nitinol", "Nitinol (alliage à mémoire de forme)", "Nitinol (shape-memory alloy)", _METAL,
          ("EMDN P070402 (vascular stents)",),
          r"\bnitinol", r"\bmemoire de forme", r"\bshape[- ]memory"),
    _term("aluminium", "Aluminium", "Aluminium", _METAL,
          ("EUDAMED (device records naming aluminium)",),
          r"\balumini?um\b"),
    _term("precious_metals", "Métaux précieux (platine, or, palladium)",
          "Precious metals (platinum, gold, palladium)", _METAL,
          ("EMDN Q010601 (dental alloys)",),
          r"\bmetaux precieux", r"\bprecious metals?", r"\bplatine\b", r"\bplatinum", r"\bpalladium"),
    _term("peek", "PEEK (polyétheréthercétone)", "PEEK (polyether ether ketone)", _POLYMER,
          ("EUDAMED (French device record: PEEK instrument, EMDN L091199)",),
          r"\bpeek\b", r"\bpolyetherethercetone", r"\bpolyether ?ether ?ketone"),
    _term("silicone", "Silicone", "Silicone", _POLYMER,
          ("EMDN M040407 (silicone dressings)", "EMDN Q020706 (lacrimal tubes, silicone)"),
          r"\bsilicones?\b"),
    _term("polyurethane", "Polyuréthane", "Polyurethane", _POLYMER,
          ("EMDN M040406 (polyurethane dressings)",),
          r"\bpolyurethan"),
    _term("ptfe", "PTFE (polytétrafluoroéthylène)", "PTFE (polytetrafluoroethylene)", _POLYMER,
          ("EMDN P900203 (PTFE surgical meshes)",),
          r"\be?ptfe\b", r"\bpolytetrafluoro", r"\bteflon"),
    _term("polyethylene", "Polyéthylène (dont UHMWPE)", "Polyethylene (incl. UHMWPE)", _POLYMER,
          ("EMDN P090803010102 (cemented polyethylene acetabular cups)",
           "EMDN S010103 (sterilisation pouches, polyethylene)"),
          r"\bpolyethylen", r"\buhmwpe\b", r"\bpehd\b", r"\bhdpe\b"),
    _term("polypropylene", "Polypropylène", "Polypropylene", _POLYMER,
          ("EMDN P900202 (polypropylene surgical meshes)",),
          r"\bpolypropyl"),
    _term("polycarbonate", "Polycarbonate", "Polycarbonate", _POLYMER,
          ("EUDAMED (device records naming polycarbonate)",),
          r"\bpolycarbonat"),
    _term("pvc", "PVC", "PVC (polyvinyl chloride)", _POLYMER,
          ("CPV division 19 (leather and textile fabrics, plastic and rubber materials)",),
          r"\bpvc\b", r"\bpolychlorure de vinyle", r"\bpolyvinyl chloride"),
    _term("polyamide", "Polyamide (nylon)", "Polyamide (nylon)", _POLYMER,
          ("EMDN H0102010101 (polyamide monofilament)",),
          r"\bpolyamide", r"\bnylon"),
    _term("polyester", "Polyester", "Polyester", _POLYMER,
          ("EMDN H0102010102 (polyester and derivatives monofilament)",),
          r"\bpolyester"),
    _term("bioresorbable_polymers", "Polymères biorésorbables (PLA, PLGA, PCL)",
          "Bioresorbable polymers (PLA, PLGA, PCL)", _POLYMER,
          ("EMDN H0101 (absorbable sutures)", "EMDN P900402 (resorbable filling and reconstruction devices)"),
          r"\bbio-?resorbab", r"\bresorbab", r"\bpla\b", r"\bplga\b", r"\bpcl\b", r"\bpolylacti", r"\bpolycaprolact"),
    _term("latex_rubber", "Latex et caoutchouc", "Latex and rubber", _POLYMER,
          ("EMDN T010101 (latex surgical gloves)",),
          r"\blatex\b", r"\bcaoutchouc", r"\brubber\b"),
    _term("ceramics", "Céramiques (zircone, alumine)", "Ceramics (zirconia, alumina)", _CERAMIC,
          ("EMDN P0908030402 (hip prostheses ceramic acetabular inserts)",),
          r"\bceramiques?\b", r"\bceramics?\b", r"\bzircon", r"\balumine\b", r"\balumina\b"),
    _term("calcium_phosphates", "Phosphates de calcium et hydroxyapatite",
          "Calcium phosphates and hydroxyapatite", _CERAMIC,
          ("EMDN P9004 (structures filling, replacement and reconstruction devices)",),
          r"\bhydroxyapatite", r"\bphosphates? (tri)?calciques?", r"\bcalcium phosphates?", r"\bbioverre",
          r"\bbioactive glass"),
    _term("hydrogels", "Hydrogels", "Hydrogels", _BIO,
          ("EMDN M040405 (hydrogel dressings)",),
          r"\bhydrogels?\b"),
    _term("biological_tissues", "Collagène et tissus d'origine biologique",
          "Collagen and tissues of biological origin", _BIO,
          ("EMDN M040410 (animal-derived collagen dressings)", "EMDN C90010302 (collagen-based haemostasis systems)"),
          r"\bcollagen", r"\btissus? (d.origine )?(animale?s?|biologiques?)", r"\bbiological tissues?", r"\bpericard",
          r"\bgelatine?\b", r"\bacide hyaluronique", r"\bhyaluronic acid"),
    _term("fibres_nonwovens", "Fibres et non-tissés (coton, fibres synthétiques)",
          "Fibres and nonwovens (cotton, synthetic)", _BIO,
          ("EMDN M01 (cotton and synthetic wadding)", "EMDN M0202 (non-woven gauzes)"),
          r"\bcoton\b", r"\bcotton\b", r"\bnon[- ]?tisses?\b", r"\bnon[- ]?wovens?\b"),
)
"""Materials a member can declare they work with."""

SECTORS: tuple[Term, ...] = (
    _term("medical_devices", "Dispositifs médicaux", "Medical devices", "health",
          ("EMDN (all categories)", "certification MDR"),
          r"\bdispositifs? medica", r"\bmedical devices?", r"\bmedtech"),
    _term("ivd", "Diagnostic in vitro", "In vitro diagnostics", "health",
          ("EMDN W (in vitro diagnostic medical devices)", "certification IVDR"),
          r"\bdiagnostic in vitro", r"\bin vitro diagnostic", r"\bdmdiv\b", r"\bivd\b"),
    _term("pharmaceuticals", "Médicament et pharmacie", "Pharmaceuticals", "health",
          ("BDPM (base de données publique des médicaments)", "CPV division 33 (33600000 pharmaceutical products)"),
          r"\bmedicaments?\b", r"\bpharmaceuti", r"\bdrugs?\b"),
    _term("biotechnology", "Biotechnologies", "Biotechnology", "health",
          ("certification GMP/BPF",),
          r"\bbiotech"),
    _term("digital_health", "Santé numérique", "Digital health", "health",
          ("certification HDS", "CPV division 72 (IT services)"),
          r"\bsante numerique", r"\be-?sante\b", r"\bdigital health", r"\be-?health"),
    _term("healthcare", "Établissements et soins de santé", "Healthcare delivery", "health",
          ("CPV division 85 (health and social work services)",),
          r"\betablissements? de sante", r"\bsoins\b", r"\bhealthcare"),
    _term("cosmetics", "Cosmétique", "Cosmetics", "health",
          ("Transparence Santé (secteur Cosmétiques)",),
          r"\bcosmeti"),
    _term("veterinary", "Vétérinaire", "Veterinary", "health",
          ("Transparence Santé (secteur Vétérinaire)",),
          r"\bveterinai"),
    _term("aerospace", "Aéronautique et spatial", "Aerospace", "industry",
          ("CPV division 34 (transport equipment and auxiliary products to transportation)",),
          r"\baeronauti", r"\baerospace", r"\bspatial\b", r"\baviation"),
    _term("automotive", "Automobile", "Automotive", "industry",
          ("CPV division 34 (transport equipment and auxiliary products to transportation)",),
          r"\bautomobile", r"\bautomotive"),
    _term("energy", "Énergie et nucléaire", "Energy and nuclear", "industry",
          ("CPV division 09 (petroleum products, fuel, electricity and other sources of energy)",),
          r"\bnucleaire", r"\bnuclear", r"\benergie\b", r"\benergy\b"),
    _term("agrifood", "Agroalimentaire", "Food industry", "industry",
          ("CPV division 15 (food, beverages, tobacco and related products)",),
          r"\bagro-?alimentaire", r"\bfood industry"),
)
"""Sectors a member serves (references)."""

CLIENT_TYPES: tuple[Term, ...] = (
    _term("hospitals", "Hôpitaux et cliniques", "Hospitals and clinics", "clients",
          ("DECP (hospital buyers of the health contracts)", "CPV division 85 (health and social work services)"),
          r"\bhopita", r"\bhospital", r"\bcliniques?\b", r"\bchu\b"),
    _term("device_manufacturers", "Fabricants de dispositifs médicaux", "Medical device manufacturers", "clients",
          ("EUDAMED (manufacturers)",),
          r"\bfabricants? (de )?(dispositifs|dm)\b", r"\b(medical )?device manufacturers?"),
    _term("pharma_companies", "Laboratoires pharmaceutiques", "Pharmaceutical companies", "clients",
          ("BDPM (titulaires d'autorisation)",),
          r"\blaboratoires? pharmaceutiques?", r"\bpharma(ceutical)? compan"),
    _term("startups", "Start-up", "Start-ups", "clients",
          ("i-Lab (lauréats)",),
          r"\bstart-?ups?\b"),
    _term("research_labs", "Laboratoires de recherche", "Research laboratories", "clients",
          ("RNSR (structures de recherche)",),
          r"\blaboratoires? de recherche", r"\bresearch lab"),
    _term("medical_laboratories", "Laboratoires de biologie médicale", "Medical laboratories", "clients",
          ("certification ISO 15189",),
          r"\blaboratoires? (de biologie|d.analyses)", r"\bmedical laborator"),
    _term("public_buyers", "Acheteurs publics", "Public buyers", "clients",
          ("DECP (acheteurs)",),
          r"\bacheteurs? publics?", r"\bmarches? publics?", r"\bpublic (buyers?|procurement)"),
    _term("distributors", "Distributeurs", "Distributors", "clients",
          ("Transparence Santé (entreprises DM)",),
          r"\bdistributeurs?", r"\bdistributors?"),
    _term("care_homes", "EHPAD et médico-social", "Care homes and social care", "clients",
          ("DECP (EHPAD buyers)", "CPV division 85 (health and social work services)"),
          r"\behpad\b", r"\bmedico-?social", r"\bcare homes?"),
)
"""Kinds of clients a member works for (references; no confidential names needed)."""

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "activities": ACTIVITIES,
    "materials": MATERIALS,
    "sectors": SECTORS,
    "client_types": CLIENT_TYPES,
}
"""Each controlled section of the livret and its terms."""

_SHORT_LABEL = re.compile(r"\s*\(.*?\)\s*")


def _keys(term: Term) -> set[str]:
    """Return the folded spellings that name a term exactly: code, labels, labels without their parenthesis."""
    names = {
        term.code,
        term.code.replace("_", " "),
        term.fr,
        term.en,
        _SHORT_LABEL.sub(" ", term.fr),
        _SHORT_LABEL.sub(" ", term.en),
    }
    return {" ".join(fold_accents(n).replace("_", " ").split()) for n in names if n.strip()}


@cache
def _index(section: str) -> dict[str, Term]:
    return {key: term for term in VOCABULARIES[section] for key in _keys(term)}


def term(section: str, code: str) -> Term:
    """Return the term of a section by code (KeyError when unknown)."""
    for entry in VOCABULARIES[section]:
        if entry.code == code:
            return entry
    raise KeyError(code)


def codes(section: str) -> tuple[str, ...]:
    """Return the codes of a section, in the order forms list them."""
    return tuple(t.code for t in VOCABULARIES[section])


def resolve_term(section: str, value: str) -> str | None:
    """Return the code a free spelling names (code, French or English label, or one unambiguous cue), else None."""
    folded = " ".join(fold_accents(value).replace("_", " ").split())
    if not folded:
        return None
    exact = _index(section).get(folded)
    if exact is not None:
        return exact.code
    found = [t.code for t in VOCABULARIES[section] if t.found_in(folded)]
    return found[0] if len(found) == 1 else None


def find_terms(section: str, text: str) -> tuple[str, ...]:
    """Return the codes of a section that a text names (French or English), in vocabulary order."""
    folded = fold_accents(text)
    return tuple(t.code for t in VOCABULARIES[section] if t.found_in(folded))


def labels(section: str, codes_: tuple[str, ...] | list[str], lang: str = "fr") -> list[str]:
    """Return the labels of codes in ``lang``, skipping codes the vocabulary no longer knows."""
    known = {t.code: t for t in VOCABULARIES[section]}
    return [known[c].label(lang) for c in codes_ if c in known]

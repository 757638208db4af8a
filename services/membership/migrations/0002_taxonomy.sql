-- 0002_taxonomy.sql - the competence taxonomy shipped as data: the Future Skills named in the
-- seed documents (WeQ partnership model, vediso peer-to-peer academy, NRW training networks)
-- and the 21 competences of the EU Digital Competence Framework DigComp 2.2 in its 5 areas
-- (official English titles; German translations). Codes are stable: never renumber or reuse.

INSERT INTO competences (code, area, label_de, label_en) VALUES
    -- Future Skills: social and personal competences of the 21st century (WeQ, vediso)
    ('fs.systems_thinking',   'future_skills', 'Gesamtsystemisches Denken und Handeln', 'Systems thinking and acting'),
    ('fs.collaboration',      'future_skills', 'Kollaboration', 'Collaboration'),
    ('fs.co_creativity',      'future_skills', 'Kreatives Zusammenarbeiten', 'Co-creativity'),
    ('fs.networking',         'future_skills', 'Vernetzungskompetenz', 'Networking'),
    ('fs.intercultural',      'future_skills', 'Interkulturelle Kompetenz', 'Intercultural competence'),
    ('fs.self_efficacy',      'future_skills', 'Selbstwirksamkeit', 'Self-efficacy'),
    ('fs.reflection',         'future_skills', 'Reflexionsfähigkeit', 'Reflective capability'),
    ('fs.agility',            'future_skills', 'Agilität', 'Agility'),
    ('fs.problem_solving',    'future_skills', 'Problemlösungskompetenz', 'Problem solving'),
    ('fs.transformation',     'future_skills', 'Transformationskompetenz', 'Shaping transformation'),
    ('fs.sustainability',     'future_skills', 'Nachhaltigkeitskompetenz', 'Sustainability competence'),
    ('fs.future_mindset',     'future_skills', 'Zukunftsorientierung', 'Future mindset'),
    ('fs.values_orientation', 'future_skills', 'Werteorientierung', 'Values orientation'),
    ('fs.action_competence',  'future_skills', 'Handlungskompetenz', 'Action competence'),
    ('fs.peer_learning',      'future_skills', 'Kollegiales Lernen', 'Peer learning'),
    ('fs.facilitation',       'future_skills', 'Prozessbegleitung und Moderation', 'Process facilitation'),
    ('fs.coaching',           'future_skills', 'Coaching', 'Coaching'),
    ('fs.digital_literacy',   'future_skills', 'Digitale Kompetenz', 'Digital literacy'),
    ('fs.ai_literacy',        'future_skills', 'KI-Kompetenz', 'AI literacy'),

    -- DigComp 2.2 area 1: Information and data literacy / Informations- und Datenkompetenz
    ('dc.1.1', 'digcomp', 'Durchsuchen, Suchen und Filtern von Daten, Informationen und digitalen Inhalten', 'Browsing, searching and filtering data, information and digital content'),
    ('dc.1.2', 'digcomp', 'Bewerten von Daten, Informationen und digitalen Inhalten', 'Evaluating data, information and digital content'),
    ('dc.1.3', 'digcomp', 'Verwalten von Daten, Informationen und digitalen Inhalten', 'Managing data, information and digital content'),
    -- area 2: Communication and collaboration / Kommunikation und Zusammenarbeit
    ('dc.2.1', 'digcomp', 'Interagieren mithilfe digitaler Technologien', 'Interacting through digital technologies'),
    ('dc.2.2', 'digcomp', 'Teilen mithilfe digitaler Technologien', 'Sharing through digital technologies'),
    ('dc.2.3', 'digcomp', 'Gesellschaftliche Teilhabe mithilfe digitaler Technologien', 'Engaging in citizenship through digital technologies'),
    ('dc.2.4', 'digcomp', 'Zusammenarbeiten mithilfe digitaler Technologien', 'Collaborating through digital technologies'),
    ('dc.2.5', 'digcomp', 'Netiquette', 'Netiquette'),
    ('dc.2.6', 'digcomp', 'Verwalten der digitalen Identität', 'Managing digital identity'),
    -- area 3: Digital content creation / Erstellung digitaler Inhalte
    ('dc.3.1', 'digcomp', 'Entwickeln digitaler Inhalte', 'Developing digital content'),
    ('dc.3.2', 'digcomp', 'Integrieren und Neugestalten digitaler Inhalte', 'Integrating and re-elaborating digital content'),
    ('dc.3.3', 'digcomp', 'Urheberrecht und Lizenzen', 'Copyright and licences'),
    ('dc.3.4', 'digcomp', 'Programmieren', 'Programming'),
    -- area 4: Safety / Sicherheit
    ('dc.4.1', 'digcomp', 'Schützen von Geräten', 'Protecting devices'),
    ('dc.4.2', 'digcomp', 'Schützen personenbezogener Daten und der Privatsphäre', 'Protecting personal data and privacy'),
    ('dc.4.3', 'digcomp', 'Schützen von Gesundheit und Wohlbefinden', 'Protecting health and well-being'),
    ('dc.4.4', 'digcomp', 'Schützen der Umwelt', 'Protecting the environment'),
    -- area 5: Problem solving / Problemlösung
    ('dc.5.1', 'digcomp', 'Lösen technischer Probleme', 'Solving technical problems'),
    ('dc.5.2', 'digcomp', 'Erkennen von Bedürfnissen und technologischen Antworten', 'Identifying needs and technological responses'),
    ('dc.5.3', 'digcomp', 'Kreativ mit digitalen Technologien umgehen', 'Creatively using digital technologies'),
    ('dc.5.4', 'digcomp', 'Erkennen von Lücken in der digitalen Kompetenz', 'Identifying digital competence gaps');
